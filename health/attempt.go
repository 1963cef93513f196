package health

// RecordAttempt records one failed upstream attempt that the gateway then
// retried elsewhere or fell back from. The client's request is recorded
// once, by Record, with its final outcome; without this the deployment that
// failed first would look healthy whenever a retry rescued the request.
// It counts the error kind on the deployment and a fault in its rolling
// window, not a client request.
func (r *Registry) RecordAttempt(d *Deployment, errKind string) {
	if d == nil {
		return
	}
	kind := errKindIndex(errKind)
	fault := true
	if kind >= 0 {
		d.kindCounter(kind).Inc()
		fault = errKinds[kind].upstreamFault
	}
	if !fault {
		return
	}
	d.win.add(r.currentEpoch(), &sample{fault: true, cache: -1})
}
