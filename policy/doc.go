// Package policy evaluates Rego (OPA v1, embedded) on every request and response.
//
// An Engine loads a directory of .rego files plus data.json/data.yaml (or an OPA
// bundle .tar.gz), runs the policy's own _test.rego tests, and prepares the query
// data.tollgate.decision once per revision. Decide builds the input straight into
// OPA's ast values and reads the decision back from ast values, so no JSON is
// marshalled on the hot path. A poller (and Reload, for SIGHUP) swaps revisions
// atomically; a revision that fails to compile or to pass its tests is rejected
// and the last good one keeps serving.
package policy
