package health

import (
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// AccessLog writes one JSON line per request. It carries only metadata: there is deliberately no field for
// prompts, outputs, API keys or headers, so none can leak into the log.
type AccessLog struct {
	mu    sync.Mutex // serialises writes: each line reaches w whole
	w     io.Writer
	buf   []byte      // the line being written, reused under mu
	clock jsonw.Clock // formats the time, under mu
}

// AccessEntry is one request's access-log line.
type AccessEntry struct {
	RequestID        string
	Tenant           string
	Team             string
	Model            string // the model served (after any policy rewrite)
	Deployment       string
	Status           int
	ErrKind          string
	Latency          time.Duration
	TTFT             time.Duration
	PromptTokens     int
	CompletionTokens int
	CostMicros       int64
	Cache            string // hit|semantic-hit|coalesced|miss|bypass
	Policy           string // allow|deny|redact|rewrite …
	Stream           bool
	Findings         []FindingCount // filter findings by kind (counts only, never matched text)
}

// FindingCount is how many findings of one kind a request had.
type FindingCount struct {
	Kind  string
	Count int
}

// NewAccessLogger returns an access log writing JSON lines to w. Writes happen on the caller's goroutine:
// give it a buffered or fast writer (BufferedWriter, or os.Stdout collected by the platform).
func NewAccessLogger(w io.Writer) *AccessLog {
	return &AccessLog{w: w, buf: make([]byte, 0, 512)}
}

// Log writes e as one line: {"time":…,"level":"INFO","msg":"access","request_id":…,…}, the shape
// slog's JSON handler gives, written by hand: slog cost about 10 µs a line (attribute boxing, floats
// through encoding/json), a tenth of the proxy's own CPU per request.
func (a *AccessLog) Log(e *AccessEntry) {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	b := append(a.buf[:0], `{"time":"`...)
	b = a.clock.AppendRFC3339Nano(b, now)
	b = append(b, `","level":"INFO","msg":"access","request_id":`...)
	b = jsonw.String(b, e.RequestID)
	b = appendStringField(b, "tenant", e.Tenant)
	b = appendStringField(b, "team", e.Team)
	b = appendStringField(b, "model", e.Model)
	b = appendStringField(b, "deployment", e.Deployment)
	b = strconv.AppendInt(append(b, `,"status":`...), int64(e.Status), 10)
	b = appendScaled(append(b, `,"latency_ms":`...), e.Latency.Microseconds(), 3)
	b = appendScaled(append(b, `,"ttft_ms":`...), e.TTFT.Microseconds(), 3)
	b = strconv.AppendInt(append(b, `,"prompt_tokens":`...), int64(e.PromptTokens), 10)
	b = strconv.AppendInt(append(b, `,"completion_tokens":`...), int64(e.CompletionTokens), 10)
	b = appendScaled(append(b, `,"cost_usd":`...), e.CostMicros, 6)
	b = appendStringField(b, "cache", e.Cache)
	b = appendStringField(b, "policy", e.Policy)
	b = strconv.AppendBool(append(b, `,"stream":`...), e.Stream)
	if e.ErrKind != "" {
		b = appendStringField(b, "error_kind", e.ErrKind)
	}
	if len(e.Findings) > 0 {
		b = append(b, `,"findings":{`...)
		for i, f := range e.Findings {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, f.Kind)
			b = strconv.AppendInt(append(b, ':'), int64(f.Count), 10)
		}
		b = append(b, '}')
	}
	b = append(b, "}\n"...)
	a.buf = b
	_, _ = a.w.Write(b) // like slog: a failing access log never fails the request
}

func appendStringField(b []byte, key, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return jsonw.String(b, v)
}

// appendFloat writes f as encoding/json does: no exponent for ordinary magnitudes; NaN and
// infinities, which JSON cannot carry, as 0.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// appendScaled writes v / 10^dec (dec ≤ 6) as appendFloat writes
// float64(v) / 10^dec, from the integer: the exact decimal with its
// trailing zeros dropped is the shortest one that float parses back to
// (its neighbours are 10^-dec apart, far more than the float's precision,
// below 2^50; TestAppendScaledMatchesFloat). Larger values take the float
// path. A strconv float costs several times this.
func appendScaled(b []byte, v int64, dec int) []byte {
	if v <= -maxScaled || v >= maxScaled {
		return appendFloat(b, float64(v)/pow10[dec])
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	p := int64(pow10[dec])
	b = strconv.AppendInt(b, v/p, 10)
	frac := v % p
	if frac == 0 {
		return b
	}
	var digits [6]byte
	n := dec
	for i := dec - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	for digits[n-1] == '0' {
		n--
	}
	return append(append(b, '.'), digits[:n]...)
}

const maxScaled = 1 << 50

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}
