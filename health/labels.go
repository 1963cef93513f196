package health

// OtherLabel is the label value for any model, deployment, tenant, kind or result outside the configured set.
const OtherLabel = "other"

// statusLabels is the bounded set of HTTP status label values: exact codes that mean something different to an
// operator, classes for the rest.
var statusLabels = [...]string{"2xx", "400", "401", "403", "404", "408", "413", "429", "499", "4xx", "500", "502", "503", "504", "5xx", "other"}

const numStatusLabels = len(statusLabels)

func statusIndex(code int) int {
	switch code {
	case 400:
		return 1
	case 401:
		return 2
	case 403:
		return 3
	case 404:
		return 4
	case 408:
		return 5
	case 413:
		return 6
	case 429:
		return 7
	case 499:
		return 8
	case 500:
		return 10
	case 502:
		return 11
	case 503:
		return 12
	case 504:
		return 13
	}
	switch {
	case code >= 200 && code < 300:
		return 0
	case code >= 400 && code < 500:
		return 9
	case code >= 500 && code < 600:
		return 14
	}
	return 15
}

// Error kinds the gateway reports in Record.ErrKind. Unknown kinds are counted as "other".
const (
	ErrTimeout      = "timeout"       // upstream did not answer (or finish) in time
	ErrConnect      = "connect"       // dial/TLS/connection reset before a response
	ErrUpstream5xx  = "upstream_5xx"  // upstream answered 5xx
	ErrUpstream429  = "upstream_429"  // upstream rate-limited us
	ErrUpstream4xx  = "upstream_4xx"  // upstream rejected the request (usually the client's fault)
	ErrStream       = "stream"        // stream broke after it started
	ErrClientCancel = "client_cancel" // client went away
	ErrPolicy       = "policy"        // denied by policy
	ErrRateLimit    = "ratelimit"     // our own rate limit
	ErrBudget       = "budget"        // budget exhausted
	ErrInvalid      = "invalid_request"
	ErrFilter       = "filter" // output cut by a filter
	ErrInternal     = "internal"
)

// errKinds lists the kind label values; upstreamFault says whether the kind counts against the deployment's
// health (the provider's fault), as opposed to the client's or our own policy's.
var errKinds = [...]struct {
	name          string
	upstreamFault bool
}{
	{ErrTimeout, true}, {ErrConnect, true}, {ErrUpstream5xx, true}, {ErrUpstream429, true}, {ErrStream, true},
	{ErrUpstream4xx, false}, {ErrClientCancel, false}, {ErrPolicy, false}, {ErrRateLimit, false},
	{ErrBudget, false}, {ErrInvalid, false}, {ErrFilter, false}, {ErrInternal, false}, {OtherLabel, false},
}

const numErrKinds = len(errKinds)

// errKindIndex maps a kind to its index; -1 for "" (no error). A switch keeps it allocation-free and fast.
func errKindIndex(kind string) int {
	switch kind {
	case "":
		return -1
	case ErrTimeout:
		return 0
	case ErrConnect:
		return 1
	case ErrUpstream5xx:
		return 2
	case ErrUpstream429:
		return 3
	case ErrStream:
		return 4
	case ErrUpstream4xx:
		return 5
	case ErrClientCancel:
		return 6
	case ErrPolicy:
		return 7
	case ErrRateLimit:
		return 8
	case ErrBudget:
		return 9
	case ErrInvalid:
		return 10
	case ErrFilter:
		return 11
	case ErrInternal:
		return 12
	}
	return 13
}

// Cache results reported in Record.Cache (the gateway's x-tollgate-cache
// values): hit, semantic-hit and coalesced were answered without an upstream
// call of their own; miss was looked up and went upstream; bypass was not
// looked up.
var cacheLabels = [...]string{"hit", "semantic-hit", "coalesced", "miss", "bypass", OtherLabel}

const (
	cacheHit = iota
	cacheSemanticHit
	cacheCoalesced
	cacheMiss
	cacheBypass
	cacheOther
)

// cacheIndex returns -1 for "" (cache not consulted).
func cacheIndex(s string) int {
	switch s {
	case "":
		return -1
	case "hit":
		return cacheHit
	case "semantic-hit":
		return cacheSemanticHit
	case "coalesced":
		return cacheCoalesced
	case "miss":
		return cacheMiss
	case "bypass":
		return cacheBypass
	}
	return cacheOther
}

// cacheAnswered: the cache answered (no upstream call of the request's own).
func cacheAnswered(i int) bool { return i == cacheHit || i == cacheSemanticHit || i == cacheCoalesced }
