package policy

import (
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
)

// denials counts denied decisions by their first reason code, so a dashboard
// shows which rule denies. Codes come from the policy, and a policy could
// build them from input: past maxCodes distinct codes, the rest count as
// "other", keeping the series bounded.
var denials = newCodeCounters("tollgate_policy_denials_total", 64)

type codeCounters struct {
	name     string
	maxCodes int
	mu       sync.RWMutex
	byCode   map[string]*metrics.Counter
	other    *metrics.Counter
}

func newCodeCounters(name string, maxCodes int) *codeCounters {
	return &codeCounters{name: name, maxCodes: maxCodes, byCode: map[string]*metrics.Counter{}}
}

func (c *codeCounters) inc(code string) {
	c.mu.RLock()
	ctr := c.byCode[code]
	c.mu.RUnlock()
	if ctr == nil {
		ctr = c.counter(code)
	}
	ctr.Inc()
}

func (c *codeCounters) counter(code string) *metrics.Counter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctr := c.byCode[code]; ctr != nil {
		return ctr
	}
	if len(c.byCode) >= c.maxCodes {
		if c.other == nil {
			c.other = metrics.GetOrCreateCounter(c.name + `{code="other"}`)
		}
		return c.other
	}
	ctr := metrics.GetOrCreateCounter(c.name + `{code="` + labelValue(code) + `"}`)
	c.byCode[code] = ctr
	return ctr
}

// labelValue keeps a code to characters that need no escaping in the
// exposition format (a reason code is an identifier anyway), at most 64.
func labelValue(code string) string {
	var b strings.Builder
	for _, r := range code {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.', r == ':':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
