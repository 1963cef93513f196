package main

import (
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"go.yaml.in/yaml/v3"
)

// TestK8sExampleIsSecure: the shipped k8s config used to define no keys and
// no admin key on 0.0.0.0, an open proxy on the OpenAI key. It must now
// ship client keys, an admin key and an ops key, all from the Secret
// (secretKeyRef env → ${VAR}), need no opt-in, and be scraped on the ops port.
func TestK8sExampleIsSecure(t *testing.T) {
	const dir = "../../deploy/k8s/"
	var secret struct {
		StringData map[string]string `yaml:"stringData"`
	}
	readYAMLFile(t, dir+"secret.example.yaml", &secret)
	var dep struct {
		Spec struct {
			Template struct {
				Metadata struct {
					Annotations map[string]string `yaml:"annotations"`
				} `yaml:"metadata"`
				Spec struct {
					Containers []struct {
						Env []struct {
							Name      string `yaml:"name"`
							ValueFrom struct {
								SecretKeyRef struct{ Name, Key string } `yaml:"secretKeyRef"`
							} `yaml:"valueFrom"`
						} `yaml:"env"`
						Ports []struct {
							Name          string `yaml:"name"`
							ContainerPort int    `yaml:"containerPort"`
						} `yaml:"ports"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	readYAMLFile(t, dir+"deployment.yaml", &dep)
	fromSecret := map[string]bool{}
	c := dep.Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		if ref := e.ValueFrom.SecretKeyRef; ref.Name == "tollgate-secrets" {
			if _, ok := secret.StringData[ref.Key]; !ok {
				t.Fatalf("env %s reads Secret key %s, which secret.example.yaml lacks", e.Name, ref.Key)
			}
			fromSecret[e.Name] = true
			t.Setenv(e.Name, secret.StringData[ref.Key])
		}
	}
	raw, err := os.ReadFile(dir + "tollgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	uncommented := regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(string(raw), "")
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)(:-[^}]*)?\}`).FindAllStringSubmatch(uncommented, -1) {
		if !fromSecret[m[1]] {
			t.Fatalf("tollgate.yaml reads ${%s}, which no secretKeyRef env provides", m[1])
		}
	}
	cfg, err := config.Load(dir + "tollgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Keys) == 0 || cfg.Admin.Key == "" || cfg.Ops.Key == "" || cfg.Auth.AllowUnauthenticated {
		t.Fatalf("keys %d, admin key set %v, ops key set %v, allow_unauthenticated %v", len(cfg.Keys), cfg.Admin.Key != "", cfg.Ops.Key != "", cfg.Auth.AllowUnauthenticated)
	}
	if err := gateway.CheckExposure(cfg, cfg.Listen); err != nil {
		t.Fatal(err)
	}
	port := dep.Spec.Template.Metadata.Annotations["prometheus.io/port"]
	if !strings.HasSuffix(cfg.Ops.Listen, ":"+port) {
		t.Fatalf("Prometheus scrapes port %s; ops.listen is %s", port, cfg.Ops.Listen)
	}
	for _, p := range c.Ports {
		if p.Name == "ops" && !strings.HasSuffix(cfg.Ops.Listen, ":"+itoa(p.ContainerPort)) {
			t.Fatalf("container port ops %d; ops.listen is %s", p.ContainerPort, cfg.Ops.Listen)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func readYAMLFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestK8sManagedRedisOverlayConfig: the managed-Redis overlay's config loads and differs from the base's
// only in its redis section (a cluster endpoint), so the two cannot drift apart. The manifests themselves
// are checked by deploy/k8s/validate (its own module: the Kubernetes API types).
func TestK8sManagedRedisOverlayConfig(t *testing.T) {
	for _, v := range []string{"OPENAI_API_KEY", "TOLLGATE_ADMIN_KEY", "TOLLGATE_OPS_KEY", "TOLLGATE_KEY_ACME_SEARCH", "TOLLGATE_KEY_GLOBEX_ADS"} {
		t.Setenv(v, "test-"+strings.ToLower(v))
	}
	base, err := config.Load("../../deploy/k8s/tollgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	over, err := config.Load("../../deploy/k8s/overlays/managed-redis/tollgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !over.Redis.Cluster || len(over.Redis.Addrs) != 1 || !over.Redis.TLS {
		t.Fatalf("overlay redis %+v: want one cluster endpoint over TLS", over.Redis)
	}
	base.Redis, over.Redis = config.RedisConfig{}, config.RedisConfig{}
	base.Source, over.Source = "", ""
	if !reflect.DeepEqual(base, over) {
		t.Fatal("the overlay's tollgate.yaml differs from deploy/k8s/tollgate.yaml outside the redis section")
	}
}
