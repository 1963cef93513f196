package health

import (
	"fmt"
	"time"
)

// recoverEvals is how many consecutive evaluations must compute a better status before it is adopted: statuses
// worsen at once but recover with hysteresis, so routing and alerts do not flap.
const recoverEvals = 3

// evaluate rotates windows, feeds the latency baselines with completed slots and recomputes every status.
// It runs on the evaluation loop (once per EvalInterval); tests call it directly with a fake clock.
func (r *Registry) evaluate() {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	e := epochOf(now.Unix())
	minReq := uint64(r.opts.MinRequests)
	for _, m := range r.state.Load().list {
		slo := m.slo.Load()
		worst, unhealthy, considered := Healthy, 0, 0
		var why string
		for _, d := range m.deps.Load().list {
			d.win.prepare(e)
			d.feedBaselines(e)
			var w1, w5 stats
			d.win.collect(e, shortSlots, &w1)
			d.win.collect(e, longSlots, &w5)
			st, reason := d.judge(slo, &w1, &w5, minReq)
			r.transition(d, st, reason, now)
			if d.name == OtherLabel && w5.requests == 0 {
				continue // unknown deployments only count while they get traffic
			}
			considered++
			cur := d.Status()
			if cur == Unhealthy {
				unhealthy++
			}
			if cur > worst {
				worst, why = cur, d.name+": "+d.reason
			}
		}
		ms := Healthy
		switch {
		case considered > 0 && unhealthy == considered:
			ms = Unhealthy
		case worst > Healthy:
			ms = Degraded // some deployment is unwell; routing can still use the others
		}
		r.modelTransition(m, ms, why, now)
	}
}

// feedBaselines gives the anomaly baselines each slot completed since the last evaluation.
func (d *Deployment) feedBaselines(e int64) {
	from := max(d.fedEpoch+1, e-longSlots)
	for c := from; c < e; c++ {
		var s stats
		d.win.collectSlot(c, &s)
		if s.ok >= minSlotSamples {
			v, _ := s.speed()
			d.latBase.feed(v)
		}
		if s.ttftCount >= minSlotSamples {
			d.ttftBase.feed(s.meanTTFT().Seconds())
		}
	}
	d.fedEpoch = max(d.fedEpoch, e-1)
}

// judge computes the status the windows imply and why.
func (d *Deployment) judge(slo *SLO, w1, w5 *stats, minReq uint64) (Status, string) {
	st, reason := Healthy, ""
	worse := func(s Status, why string) {
		if s > st {
			st, reason = s, why
		}
	}
	switch d.circuit.Load() {
	case CircuitOpen:
		worse(Unhealthy, "circuit open")
	case CircuitHalfOpen:
		worse(Degraded, "circuit half-open")
	}
	maxER := slo.MaxErrorRate
	if maxER == 0 {
		maxER = DefaultMaxErrorRate
	}
	if w1.requests >= minReq {
		er := w1.errorRate()
		if er > min(1, max(2*maxER, 0.25)) {
			worse(Unhealthy, fmt.Sprintf("error rate %.1f%% over 1m (objective %.1f%%)", 100*er, 100*maxER))
		} else if er > maxER {
			worse(Degraded, fmt.Sprintf("error rate %.1f%% over 1m (objective %.1f%%)", 100*er, 100*maxER))
		}
	}
	if w5.requests >= minReq && w5.errorRate() > maxER {
		worse(Degraded, fmt.Sprintf("error rate %.1f%% over 5m (objective %.1f%%)", 100*w5.errorRate(), 100*maxER))
	}
	if w1.ok >= minReq {
		if slo.LatencyP99 > 0 {
			worse(sloStatus("latency", quantile(&w1.lat, 0.99), slo.LatencyP99))
		} else {
			v, what := w1.speed()
			if s, ratio := d.latBase.judge(v); s > Healthy {
				worse(s, fmt.Sprintf("%s %.1f× its baseline", what, ratio))
			}
		}
	}
	if w1.ttftCount >= minReq {
		if slo.TTFTP99 > 0 {
			worse(sloStatus("TTFT", quantile(&w1.ttft, 0.99), slo.TTFTP99))
		} else if s, ratio := d.ttftBase.judge(w1.meanTTFT().Seconds()); s > Healthy {
			worse(s, fmt.Sprintf("TTFT %.1f× its baseline", ratio))
		}
	}
	return st, reason
}

func sloStatus(what string, p99, objective time.Duration) (Status, string) {
	why := fmt.Sprintf("%s p99 %v over 1m (objective %v)", what, p99.Round(time.Millisecond), objective)
	switch {
	case p99 > 2*objective:
		return Unhealthy, why
	case p99 > objective:
		return Degraded, why
	}
	return Healthy, ""
}

// transition applies hysteresis and, on a change, stores the status and raises/resolves alerts.
func (r *Registry) transition(d *Deployment, computed Status, reason string, now time.Time) {
	cur := d.Status()
	switch {
	case computed == cur:
		d.better = 0
		if computed != Healthy {
			d.reason = reason
		}
		return
	case computed < cur:
		d.better++
		if d.better < recoverEvals {
			return
		}
	}
	d.better = 0
	d.reason = reason
	d.status.Store(int32(computed))
	d.since.Store(now.UnixNano())
	r.log.Info("health: deployment status changed", "model", d.model.name, "deployment", d.name,
		"from", cur.String(), "to", computed.String(), "reason", reason)
	labels := map[string]string{"model": d.model.name, "deployment": d.name}
	r.statusAlerts("TollgateDeployment", labels, cur, computed, reason, now)
}

func (r *Registry) modelTransition(m *Model, computed Status, reason string, now time.Time) {
	cur := m.Status()
	if computed == cur {
		return
	}
	m.status.Store(int32(computed))
	m.since.Store(now.UnixNano())
	r.log.Info("health: model status changed", "model", m.name, "from", cur.String(), "to", computed.String(), "reason", reason)
	r.statusAlerts("TollgateModel", map[string]string{"model": m.name}, cur, computed, reason, now)
}

// statusAlerts resolves the alert of the old status and fires the one of the new status.
func (r *Registry) statusAlerts(prefix string, labels map[string]string, from, to Status, reason string, now time.Time) {
	if from != Healthy {
		r.alerts.enqueue(Alert{Name: prefix + statusAlertSuffix(from), Severity: severityOf(from), Labels: labels, Resolved: true, At: now})
	}
	if to != Healthy {
		r.alerts.enqueue(Alert{
			Name: prefix + statusAlertSuffix(to), Severity: severityOf(to), Labels: labels, At: now,
			Annotations: map[string]string{"summary": labelsSummary(labels) + " is " + to.String(), "description": reason},
		})
	}
}

func statusAlertSuffix(s Status) string {
	if s == Unhealthy {
		return "Unhealthy"
	}
	return "Degraded"
}

func severityOf(s Status) string {
	if s == Unhealthy {
		return "critical"
	}
	return "warning"
}

func labelsSummary(l map[string]string) string {
	if d, ok := l["deployment"]; ok {
		return "deployment " + l["model"] + "/" + d
	}
	return "model " + l["model"]
}
