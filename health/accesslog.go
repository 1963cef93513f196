package health

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// AccessLog writes one JSON line per request. It carries only metadata: there is deliberately no field for
// prompts, outputs, API keys or headers, so none can leak into the log.
type AccessLog struct {
	l *slog.Logger
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

// NewAccessLogger returns an access log writing JSON lines to w. Writes are serialized by slog's handler and
// happen on the caller's goroutine: give it a buffered or fast writer (os.Stdout collected by the platform).
func NewAccessLogger(w io.Writer) *AccessLog {
	return &AccessLog{l: slog.New(slog.NewJSONHandler(w, nil))}
}

// Log writes e as one line: {"time":…,"level":"INFO","msg":"access","request_id":…,…}.
func (a *AccessLog) Log(e *AccessEntry) {
	var buf [18]slog.Attr // on the stack; slog copies what it keeps
	attrs := append(buf[:0],
		slog.String("request_id", e.RequestID),
		slog.String("tenant", e.Tenant),
		slog.String("team", e.Team),
		slog.String("model", e.Model),
		slog.String("deployment", e.Deployment),
		slog.Int("status", e.Status),
		slog.Float64("latency_ms", msFloat(e.Latency)),
		slog.Float64("ttft_ms", msFloat(e.TTFT)),
		slog.Int("prompt_tokens", e.PromptTokens),
		slog.Int("completion_tokens", e.CompletionTokens),
		slog.Float64("cost_usd", float64(e.CostMicros)/1e6),
		slog.String("cache", e.Cache),
		slog.String("policy", e.Policy),
		slog.Bool("stream", e.Stream),
	)
	if e.ErrKind != "" {
		attrs = append(attrs, slog.String("error_kind", e.ErrKind))
	}
	if len(e.Findings) > 0 {
		counts := make([]slog.Attr, len(e.Findings))
		for i, f := range e.Findings {
			counts[i] = slog.Int(f.Kind, f.Count)
		}
		attrs = append(attrs, slog.Attr{Key: "findings", Value: slog.GroupValue(counts...)})
	}
	a.l.LogAttrs(context.Background(), slog.LevelInfo, "access", attrs...)
}

func msFloat(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
