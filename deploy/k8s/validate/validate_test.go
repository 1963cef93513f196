package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

const base = ".."

// kustomization is the part of kustomize's Kustomization these manifests use; decoded strictly, so a
// field kustomize does not know (or this test does not check) fails.
type kustomization struct {
	APIVersion         string   `json:"apiVersion"`
	Kind               string   `json:"kind"`
	Namespace          string   `json:"namespace,omitempty"`
	Resources          []string `json:"resources"`
	ConfigMapGenerator []struct {
		Name     string   `json:"name"`
		Behavior string   `json:"behavior,omitempty"`
		Files    []string `json:"files"`
	} `json:"configMapGenerator,omitempty"`
	Patches []struct {
		Patch string `json:"patch"`
	} `json:"patches,omitempty"`
}

// object is one decoded manifest document.
type object struct {
	file string
	kind string
	name string
	obj  any
}

// typed maps apiVersion/kind to the Kubernetes API type the document must decode into.
func typed(apiVersion, kind string) (any, bool) {
	switch apiVersion + "/" + kind {
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, true
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}, true
	case "v1/Service":
		return &corev1.Service{}, true
	case "v1/Namespace":
		return &corev1.Namespace{}, true
	case "v1/Secret":
		return &corev1.Secret{}, true
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	}
	return nil, false
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// decodeFile strictly decodes every document of a manifest file into its API type.
func decodeFile(t *testing.T, path string) []object {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []object
	for i, doc := range docSep.Split(string(raw), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s doc %d: %v", path, i, err)
		}
		v, ok := typed(meta.APIVersion, meta.Kind)
		if !ok {
			t.Fatalf("%s doc %d: %s %s is not a kind this test knows: add its API type", path, i, meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
			t.Fatalf("%s doc %d (%s %s): %v", path, i, meta.Kind, meta.Metadata.Name, err)
		}
		if meta.Metadata.Name == "" {
			t.Fatalf("%s doc %d: %s without metadata.name", path, i, meta.Kind)
		}
		out = append(out, object{file: path, kind: meta.Kind, name: meta.Metadata.Name, obj: v})
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Fatalf("%s/kustomization.yaml: %s %s", dir, k.APIVersion, k.Kind)
	}
	for _, g := range k.ConfigMapGenerator {
		for _, f := range g.Files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Fatalf("%s: configMapGenerator %s: %v", dir, g.Name, err)
			}
		}
	}
	return k
}

// build loads a kustomization's resources (recursively for directories) and applies its delete patches,
// which is all these manifests ask of kustomize.
func build(t *testing.T, dir string) (kustomization, []object) {
	t.Helper()
	k := readKustomization(t, dir)
	var objs []object
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: resource %s: %v", dir, r, err)
		}
		if st.IsDir() {
			_, sub := build(t, p)
			objs = append(objs, sub...)
			continue
		}
		objs = append(objs, decodeFile(t, p)...)
	}
	for _, p := range k.Patches {
		var del struct {
			Patch      string `json:"$patch"`
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.UnmarshalStrict([]byte(p.Patch), &del); err != nil || del.Patch != "delete" {
			t.Fatalf("%s: only $patch: delete patches are checked here (%v): %s", dir, err, p.Patch)
		}
		i := slices.IndexFunc(objs, func(o object) bool { return o.kind == del.Kind && o.name == del.Metadata.Name })
		if i < 0 {
			t.Fatalf("%s: patch deletes %s %s, which the base does not have", dir, del.Kind, del.Metadata.Name)
		}
		objs = slices.Delete(objs, i, i+1)
	}
	return k, objs
}

func find[T any](t *testing.T, objs []object, kind, name string) *T {
	t.Helper()
	for _, o := range objs {
		if o.kind == kind && o.name == name {
			return o.obj.(*T)
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

// TestBaseManifests: every manifest of deploy/k8s decodes strictly into its API type, every file is
// applied (or is the example Secret / the config), and the pieces fit: 3 replicas ready on /readyz with
// resources, a PDB and HPA on that Deployment, Services that select pods and name their ports, and an
// append-only Redis.
func TestBaseManifests(t *testing.T) {
	k, objs := build(t, base)
	files, _ := filepath.Glob(filepath.Join(base, "*.yaml"))
	for _, f := range files {
		name := filepath.Base(f)
		switch {
		case name == "kustomization.yaml" || name == "tollgate.yaml":
		case name == "secret.example.yaml":
			decodeFile(t, f) // not applied (the real Secret is made out of band), still a valid Secret
		case !slices.Contains(k.Resources, name):
			t.Errorf("%s is not in kustomization.yaml's resources", name)
		}
	}

	dep := find[appsv1.Deployment](t, objs, "Deployment", "tollgate")
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 3 {
		t.Errorf("Deployment replicas %v, want 3", dep.Spec.Replicas)
	}
	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	pod := labels.Set(dep.Spec.Template.Labels)
	if !sel.Matches(pod) {
		t.Fatalf("Deployment selector %v does not match its pods %v", sel, pod)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	rp := c.ReadinessProbe
	if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/readyz" || !portNamed(rp.HTTPGet.Port, ports) {
		t.Errorf("readiness probe %+v: want GET /readyz on a named container port", rp)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("resources %s: request %s, limit %s; want both, request ≤ limit", r, req.String(), lim.String())
		}
	}

	pdb := find[policyv1.PodDisruptionBudget](t, objs, "PodDisruptionBudget", "tollgate")
	psel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || !psel.Matches(pod) {
		t.Errorf("PDB selector %v does not match the pods (%v)", pdb.Spec.Selector, err)
	}
	if m := pdb.Spec.MinAvailable; m == nil || m.Type != intstr.Int || m.IntVal < 1 || m.IntVal >= *dep.Spec.Replicas {
		t.Errorf("PDB minAvailable %v: want a number in [1, replicas)", m)
	}

	hpa := find[autoscalingv2.HorizontalPodAutoscaler](t, objs, "HorizontalPodAutoscaler", "tollgate")
	if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != dep.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("HPA targets %+v, want the Deployment", ref)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < *dep.Spec.Replicas || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("HPA min %v max %d: want min ≥ the Deployment's %d, max ≥ min", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, *dep.Spec.Replicas)
	}
	if len(hpa.Spec.Metrics) == 0 {
		t.Error("HPA without metrics")
	}

	svc := find[corev1.Service](t, objs, "Service", "tollgate")
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(pod) {
		t.Errorf("Service selector %v does not match the pods", svc.Spec.Selector)
	}
	for _, p := range svc.Spec.Ports {
		if !portNamed(p.TargetPort, ports) {
			t.Errorf("Service port %s targets %s, which the container does not name", p.Name, p.TargetPort.String())
		}
		if p.TargetPort.String() == "ops" {
			t.Error("the Service exposes the ops port (metrics, /ui): keep it off the Service")
		}
	}

	rds := find[appsv1.StatefulSet](t, objs, "StatefulSet", "redis")
	rsvc := find[corev1.Service](t, objs, "Service", "redis")
	if !labels.SelectorFromSet(rsvc.Spec.Selector).Matches(labels.Set(rds.Spec.Template.Labels)) {
		t.Error("Service redis does not select the Redis pods")
	}
	if args := strings.Join(rds.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(args, "--appendonly yes") {
		t.Errorf("Redis args %q: the ledger needs an append-only file (a restart without one loses the day's records)", args)
	}
	if len(rds.Spec.VolumeClaimTemplates) == 0 {
		t.Error("Redis without a volume: its append-only file would not survive the pod")
	}
}

// TestManagedRedisOverlay: the overlay keeps the gateway and drops only the in-cluster Redis.
func TestManagedRedisOverlay(t *testing.T) {
	dir := filepath.Join(base, "overlays", "managed-redis")
	k, objs := build(t, dir)
	_, baseObjs := build(t, base)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.kind+"/"+o.name)
		if o.name == "redis" {
			t.Errorf("the overlay still has %s redis", o.kind)
		}
	}
	if len(objs) != len(baseObjs)-2 {
		t.Errorf("overlay has %v: want the base less Redis's StatefulSet and Service", kinds)
	}
	if len(k.ConfigMapGenerator) != 1 || k.ConfigMapGenerator[0].Behavior != "replace" || k.ConfigMapGenerator[0].Name != "tollgate-config" {
		t.Errorf("overlay configMapGenerator %+v: want tollgate-config replaced", k.ConfigMapGenerator)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "tollgate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Redis struct {
			Addrs   []string `json:"addrs"`
			Cluster bool     `json:"cluster"`
		} `json:"redis"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Redis.Addrs) != 1 || !cfg.Redis.Cluster || bytes.Contains(raw, []byte("redis:6379")) {
		t.Errorf("overlay redis %+v: want one managed endpoint with cluster: true", cfg.Redis)
	}
}

func portNamed(p intstr.IntOrString, named map[string]int32) bool {
	if p.Type == intstr.String {
		_, ok := named[p.StrVal]
		return ok
	}
	for _, v := range named {
		if v == p.IntVal {
			return true
		}
	}
	return false
}
