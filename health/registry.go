package health

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Registry owns the metrics, rolling windows and statuses of all configured models.
type Registry struct {
	set   *metrics.Set
	log   *slog.Logger
	now   func() time.Time
	state atomic.Pointer[registryState]

	// epoch is the current 10 s window slot, refreshed by the evaluation loop: reading the clock on every
	// Record costs more than the rest of Record on some VMs (clock_gettime via syscall). Registries without
	// the loop (tests) read now() per Record instead.
	epoch     atomic.Int64
	coarseNow bool

	mu     sync.Mutex // serializes Reload and evaluate
	opts   Options
	alerts *alerter

	uiMu      sync.RWMutex
	report    reportFile // the evals report /ui links to (ui_report.go)
	uiSources []uiSource
	// healthSources are members of /v1/health/models beside "models"
	// (AddHealthSource), guarded by uiMu.
	healthSources []uiSource

	drift atomic.Pointer[DriftStatusFunc] // SetDriftStatus

	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

type registryState struct {
	models map[string]*Model
	list   []*Model // configured order, then "other"
	other  *Model
}

// New validates opts, creates the metric handles for every configured model/deployment and starts the
// evaluation loop (and push/alert workers when configured). Call Close when done.
func New(opts Options) (*Registry, error) {
	r, err := newRegistry(opts, time.Now)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.coarseNow = true
	r.wg.Add(1)
	go r.evalLoop(ctx)
	r.alerts.start(ctx, &r.wg)
	if r.opts.Push.URL != "" {
		r.wg.Add(1)
		go r.pushLoop(ctx)
	}
	return r, nil
}

// newRegistry builds a Registry without background goroutines; tests drive evaluate and the clock themselves.
func newRegistry(opts Options, now func() time.Time) (*Registry, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("health: invalid options: %w", err)
	}
	o := opts.withDefaults()
	r := &Registry{set: metrics.NewSet(), log: o.Logger, now: now, opts: o}
	r.alerts = newAlerter(r.set, o.Alerts, o.Logger, now)
	st := &registryState{models: make(map[string]*Model, len(o.Models))}
	for _, spec := range o.Models {
		m := newModel(r.set, spec, o.Tenants)
		st.models[spec.Name] = m
		st.list = append(st.list, m)
	}
	st.other = newModel(r.set, ModelSpec{Name: OtherLabel}, o.Tenants)
	st.list = append(st.list, st.other)
	r.state.Store(st)
	r.epoch.Store(epochOf(now().Unix()))
	metrics.RegisterSet(r.set)
	return r, nil
}

// Model returns the handle for a configured model name; any other name returns the shared "other" handle, so
// client-chosen names never create series. A map lookup: no allocation.
func (r *Registry) Model(name string) *Model {
	st := r.state.Load()
	if m, ok := st.models[name]; ok {
		return m
	}
	return st.other
}

// Models returns the configured model handles in order (without "other").
func (r *Registry) Models() []*Model {
	st := r.state.Load()
	return st.list[:len(st.list)-1]
}

// Reload applies a new configuration. Handles, windows, baselines and metrics of unchanged model and deployment
// names are kept; removed ones stop being exported; new ones are created. Push and alert endpoints are not
// changed by Reload (they need a restart). On error nothing changes.
func (r *Registry) Reload(opts Options) error {
	if err := opts.validate(); err != nil {
		return fmt.Errorf("health: invalid options: %w", err)
	}
	o := opts.withDefaults()
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.state.Load()
	st := &registryState{models: make(map[string]*Model, len(o.Models)), other: old.other}
	for _, spec := range o.Models {
		if m := old.models[spec.Name]; m != nil {
			slo := spec.SLO
			m.slo.Store(&slo)
			for _, d := range m.setDeployments(spec.Deployments, m.deps.Load()) {
				d.owner.unregisterAll()
			}
			m.setTenants(o.Tenants)
			st.models[spec.Name] = m
			st.list = append(st.list, m)
		}
	}
	for name, m := range old.models {
		if _, ok := st.models[name]; !ok {
			m.unregister()
		}
	}
	for _, spec := range o.Models {
		if _, ok := st.models[spec.Name]; !ok {
			m := newModel(r.set, spec, o.Tenants)
			st.models[spec.Name] = m
			st.list = append(st.list, m)
		}
	}
	// Keep configured order for the API and UI.
	ordered := st.list[:0:0]
	for _, spec := range o.Models {
		ordered = append(ordered, st.models[spec.Name])
	}
	st.list = append(ordered, st.other)
	st.other.setTenants(o.Tenants)
	r.opts.Models, r.opts.Tenants, r.opts.MinRequests = o.Models, o.Tenants, o.MinRequests
	r.state.Store(st)
	return nil
}

// Close stops the background loops, flushes nothing further and unregisters the metrics from the default set.
// Alerts still queued are counted as dropped.
func (r *Registry) Close() {
	if !r.closed.CompareAndSwap(false, true) {
		return
	}
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	r.alerts.close()
	metrics.UnregisterSet(r.set, true)
}

func (r *Registry) evalLoop(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(r.opts.EvalInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.epoch.Store(epochOf(r.now().Unix()))
			r.evaluate()
			r.alerts.resendDue()
		}
	}
}

// currentEpoch is the window slot a request ending now belongs to.
func (r *Registry) currentEpoch() int64 {
	if r.coarseNow {
		return r.epoch.Load()
	}
	return epochOf(r.now().Unix())
}
