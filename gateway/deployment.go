package gateway

import (
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// deployment is one upstream model behind a client-facing model, with the
// live state routing needs: in-flight count, latency EWMA, circuit, and a
// cool-down set by an upstream's Retry-After.
type deployment struct {
	name          string
	upstream      *upstream
	upstreamModel string
	modelJSON     []byte // upstreamModel as a JSON string, ready to splice into bodies
	weight        int
	fp            string

	inflight  atomic.Int64
	ewmaNanos atomic.Int64 // 0 = never measured
	coolUntil atomic.Int64 // unix nanos; set from Retry-After
	breaker   *breaker
	// health is swapped by a reload that reuses d while requests are in
	// flight on it: atomic. nil when health is off.
	health atomic.Pointer[health.Deployment]
}

// attachHealth links d to its health handle: circuit changes are exported
// and routing can avoid deployments health marks unhealthy.
func (d *deployment) attachHealth(h *health.Deployment) {
	d.health.Store(h)
	d.breaker.mu.Lock()
	d.breaker.onChange = h.SetCircuit
	h.SetCircuit(d.breaker.state)
	d.breaker.mu.Unlock()
}

// unhealthy reports whether rolling health (error rate, latency anomalies)
// says to keep traffic away from d while others are available.
func (d *deployment) unhealthy() bool {
	h := d.health.Load()
	return h != nil && h.Status() == health.Unhealthy
}

// healthHandle is d's rolling-health handle, nil when health is off.
func (d *deployment) healthHandle() *health.Deployment { return d.health.Load() }

func newDeployment(d config.Deployment, up *upstream, cc config.CircuitConfig) *deployment {
	return &deployment{
		name:          d.Name,
		upstream:      up,
		upstreamModel: d.Model,
		modelJSON:     jsonw.String(nil, d.Model),
		weight:        d.Weight,
		breaker:       newBreaker(cc),
	}
}

// ewmaAlpha weighs the newest latency sample; ~10 samples of memory.
const ewmaAlpha = 0.2

func (d *deployment) observeLatency(lat time.Duration) {
	for {
		old := d.ewmaNanos.Load()
		next := int64(lat)
		if old != 0 {
			next = int64(float64(old)*(1-ewmaAlpha) + float64(lat)*ewmaAlpha)
		}
		if next == 0 {
			next = 1
		}
		if d.ewmaNanos.CompareAndSwap(old, next) {
			return
		}
	}
}

// usable reports whether the balancer may pick d now.
func (d *deployment) usable(now time.Time) bool {
	if d.weight == 0 {
		return false
	}
	if cu := d.coolUntil.Load(); cu != 0 && now.UnixNano() < cu {
		return false
	}
	return d.breaker.available(now)
}
