package health

import (
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
)

// Model is the handle for one configured model (or the shared "other" model). Resolve it once per request with
// Registry.Model; it stays valid across Reload (a removed model's handle keeps working but is no longer exported).
type Model struct {
	name     string
	slo      atomic.Pointer[SLO]
	deps     atomic.Pointer[deploymentTable]
	tenants  atomic.Pointer[tenantTable]
	inFlight atomic.Int64
	status   atomic.Int32
	since    atomic.Int64 // unix nanos of the last status change

	owner     metricOwner
	tokensIn  atomic.Pointer[metrics.Counter]
	tokensOut atomic.Pointer[metrics.Counter]
	cache     [len(cacheLabels)]atomic.Pointer[metrics.Counter]
	ring      minuteRing // the last hour per minute, for /ui (minute_ring.go)
}

type deploymentTable struct {
	byName map[string]*Deployment
	list   []*Deployment // configured order, then "other"
	other  *Deployment
}

type tenantTable struct {
	index map[string]int // tenant -> cells index; cells[0] is "other"
	cells []*costCell
}

type costCell struct {
	tenant string
	c      atomic.Pointer[metrics.FloatCounter]
}

// Deployment is the handle for one upstream deployment of a model.
type Deployment struct {
	name    string
	model   *Model
	circuit atomic.Int32
	status  atomic.Int32
	since   atomic.Int64
	win     window

	owner  metricOwner
	hists  [numHists]atomic.Pointer[metrics.PrometheusHistogram]
	byCode [numStatusLabels]atomic.Pointer[metrics.Counter]
	byKind [numErrKinds]atomic.Pointer[metrics.Counter]

	// Evaluation-loop state, guarded by Registry.evalMu.
	latBase, ttftBase baseline
	fedEpoch          int64
	better            int // consecutive evaluations that computed a better status (recovery hysteresis)
	reason            string
}

// Name returns the configured model name ("other" for the shared handle).
func (m *Model) Name() string { return m.name }

// Name returns the configured deployment name.
func (d *Deployment) Name() string { return d.name }

// Status returns the model's current health (atomic read).
func (m *Model) Status() Status { return Status(m.status.Load()) }

// Status returns the deployment's current health (atomic read) for routing: prefer Healthy, then Degraded.
func (d *Deployment) Status() Status { return Status(d.status.Load()) }

// Deployment returns the handle for a deployment of m; unknown names share the model's "other" handle.
// A map lookup: no allocation.
func (m *Model) Deployment(name string) *Deployment {
	t := m.deps.Load()
	if d, ok := t.byName[name]; ok {
		return d
	}
	return t.other
}

// Deployments returns the model's deployment handles in configured order (without "other").
func (m *Model) Deployments() []*Deployment {
	t := m.deps.Load()
	return t.list[:len(t.list)-1]
}

// InFlight adjusts the model's in-flight gauge; call InFlight(1) when a request starts and InFlight(-1) when it ends.
func (m *Model) InFlight(delta int) { m.inFlight.Add(int64(delta)) }

// SetCircuit records the deployment's circuit breaker state (CircuitClosed, CircuitHalfOpen, CircuitOpen).
// An open circuit makes the deployment unhealthy at the next evaluation.
func (d *Deployment) SetCircuit(state int) { d.circuit.Store(int32(state)) }

func newModel(set *metrics.Set, spec ModelSpec, tenants []string) *Model {
	m := &Model{name: spec.Name}
	m.owner.set = set
	slo := spec.SLO
	m.slo.Store(&slo)
	m.setDeployments(spec.Deployments, nil)
	m.setTenants(tenants)
	m.owner.mu.Lock()
	m.owner.gauge(series("tollgate_in_flight_requests", "model", m.name), func() float64 { return float64(m.inFlight.Load()) })
	for s := Healthy; s <= Unhealthy; s++ {
		m.owner.gauge(series("tollgate_model_health", "model", m.name, "status", s.String()), func() float64 {
			return b2f(m.Status() == s)
		})
	}
	m.owner.mu.Unlock()
	return m
}

// setDeployments installs a new deployment table, keeping handles (and their windows and metrics) for names
// present in old. Removed deployments are returned so the caller can unregister their metrics.
func (m *Model) setDeployments(names []string, old *deploymentTable) (removed []*Deployment) {
	t := &deploymentTable{byName: make(map[string]*Deployment, len(names))}
	for _, n := range append(names[:len(names):len(names)], OtherLabel) {
		var d *Deployment
		if old != nil {
			if n == OtherLabel {
				d = old.other
			} else {
				d = old.byName[n]
			}
		}
		if d == nil {
			d = newDeployment(m, n)
		}
		if n == OtherLabel {
			t.other = d
		} else {
			t.byName[n] = d
		}
		t.list = append(t.list, d)
	}
	if old != nil {
		for n, d := range old.byName {
			if _, ok := t.byName[n]; !ok {
				removed = append(removed, d)
			}
		}
	}
	m.deps.Store(t)
	return removed
}

func (m *Model) setTenants(tenants []string) {
	old := m.tenants.Load()
	keep := map[string]*costCell{}
	if old != nil {
		for _, c := range old.cells {
			keep[c.tenant] = c
		}
	}
	cell := func(name string) *costCell {
		if c := keep[name]; c != nil {
			return c
		}
		return &costCell{tenant: name}
	}
	t := &tenantTable{index: make(map[string]int, len(tenants)), cells: []*costCell{cell(OtherLabel)}}
	for _, name := range tenants {
		if _, dup := t.index[name]; dup || name == OtherLabel {
			continue
		}
		t.index[name] = len(t.cells)
		t.cells = append(t.cells, cell(name))
	}
	m.tenants.Store(t)
}

func newDeployment(m *Model, name string) *Deployment {
	d := &Deployment{name: name, model: m}
	d.owner.set = m.owner.set
	d.owner.mu.Lock()
	d.owner.gauge(series("tollgate_circuit_state", "model", m.name, "deployment", name), func() float64 {
		return float64(d.circuit.Load())
	})
	for s := Healthy; s <= Unhealthy; s++ {
		d.owner.gauge(series("tollgate_deployment_health", "model", m.name, "deployment", name, "status", s.String()), func() float64 {
			return b2f(d.Status() == s)
		})
	}
	d.owner.mu.Unlock()
	return d
}

func (m *Model) unregister() {
	m.owner.unregisterAll()
	for _, d := range m.deps.Load().list {
		d.owner.unregisterAll()
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// The lazy getters below create a series on its first use (so idle label combinations export nothing), then
// return the stored handle with one atomic load. Only the slow path formats a name.

func (d *Deployment) hist(i int) *metrics.PrometheusHistogram {
	if h := d.hists[i].Load(); h != nil {
		return h
	}
	return d.newHist(i)
}

func (d *Deployment) newHist(i int) *metrics.PrometheusHistogram {
	d.owner.mu.Lock()
	defer d.owner.mu.Unlock()
	if h := d.hists[i].Load(); h != nil {
		return h
	}
	def := histDefs[i]
	h := d.owner.histogram(series(def.name, "model", d.model.name, "deployment", d.name), def.buckets)
	d.hists[i].Store(h)
	return h
}

func (d *Deployment) codeCounter(i int) *metrics.Counter {
	if c := d.byCode[i].Load(); c != nil {
		return c
	}
	return d.newCounter(&d.byCode[i], "tollgate_requests_total", "status", statusLabels[i])
}

func (d *Deployment) kindCounter(i int) *metrics.Counter {
	if c := d.byKind[i].Load(); c != nil {
		return c
	}
	return d.newCounter(&d.byKind[i], "tollgate_upstream_errors_total", "kind", errKinds[i].name)
}

func (d *Deployment) newCounter(p *atomic.Pointer[metrics.Counter], name, label, value string) *metrics.Counter {
	d.owner.mu.Lock()
	defer d.owner.mu.Unlock()
	if c := p.Load(); c != nil {
		return c
	}
	c := d.owner.counter(series(name, "model", d.model.name, "deployment", d.name, label, value))
	p.Store(c)
	return c
}

func (m *Model) tokenCounter(p *atomic.Pointer[metrics.Counter], direction string) *metrics.Counter {
	if c := p.Load(); c != nil {
		return c
	}
	return m.newCounter(p, "tollgate_tokens_total", "direction", direction)
}

func (m *Model) cacheCounter(i int) *metrics.Counter {
	if c := m.cache[i].Load(); c != nil {
		return c
	}
	return m.newCounter(&m.cache[i], "tollgate_cache_requests_total", "result", cacheLabels[i])
}

func (m *Model) newCounter(p *atomic.Pointer[metrics.Counter], name, label, value string) *metrics.Counter {
	m.owner.mu.Lock()
	defer m.owner.mu.Unlock()
	if c := p.Load(); c != nil {
		return c
	}
	c := m.owner.counter(series(name, "model", m.name, label, value))
	p.Store(c)
	return c
}

// costCounter returns the tollgate_cost_usd_total counter for a tenant (unknown tenants share "other").
func (m *Model) costCounter(tenant string) *metrics.FloatCounter {
	t := m.tenants.Load()
	c := t.cells[t.index[tenant]] // a missing key yields 0: "other"
	if fc := c.c.Load(); fc != nil {
		return fc
	}
	return m.newCost(c)
}

func (m *Model) newCost(c *costCell) *metrics.FloatCounter {
	m.owner.mu.Lock()
	defer m.owner.mu.Unlock()
	if fc := c.c.Load(); fc != nil {
		return fc
	}
	fc := m.owner.floatCounter(series("tollgate_cost_usd_total", "model", m.name, "tenant", c.tenant))
	c.c.Store(fc)
	return fc
}
