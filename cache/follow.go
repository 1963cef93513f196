package cache

import (
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// follow answers a coalesced follower from its leader's flight.
func (s *Stage) follow(v gateway.View, f *flight, timeout time.Duration) *gateway.Answer {
	st := statePool.Get().(*reqState)
	*st = reqState{follows: f}
	v.SetState(st)
	if v.Stream() {
		return &gateway.Answer{Events: &follower{f: f, includeUsage: v.IncludeUsage(), timeout: timeout, stop: make(chan struct{})}}
	}
	for have := 0; ; {
		evs, done, ok := f.wait(have, timeout, nil)
		if !ok {
			return leaderFailed(504, "coalesce_timeout", "the identical request this one waited for did not answer in time")
		}
		if done {
			break
		}
		have = evs.n()
	}
	f.mu.Lock()
	e, fail := f.entry, f.fail
	f.mu.Unlock()
	switch {
	case fail != nil && fail.body != nil:
		return &gateway.Answer{Status: fail.status, Body: fail.body}
	case fail != nil || e == nil || e.Body == nil:
		return leaderFailed(502, "coalesced_request_failed", errLeaderFailed.Error())
	}
	return &gateway.Answer{Body: e.Body, Usage: e.Usage, PricedAs: e.Model}
}

func leaderFailed(status int, code, msg string) *gateway.Answer {
	b := []byte(`{"error":{"message":` + strconv.Quote(msg) + `,"type":"server_error","code":"` + code + `","param":null}}`)
	return &gateway.Answer{Status: status, Body: b}
}
