package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The rollouts' admin API (docs/rollouts-operations.md), guarded like
// /admin/reload (the admin key, or no key on a loopback listener while
// none is set):
//
//	GET  /admin/rollouts                              every rollout's status
//	POST /admin/rollouts/{model}/promote|rollback|pause|resume[?reason=…]
const adminRolloutsPath = "/admin/rollouts"

// rolloutActionTimeout bounds a manual action (a Redis write when state is
// shared).
const rolloutActionTimeout = 5 * time.Second

// addRolloutEndpoints registers the admin API and the rollouts' sections of
// /ui and /v1/health/models.
func (s *Server) addRolloutEndpoints() {
	c := s.stages.Rollouts
	if c == nil {
		return
	}
	s.Handle(adminRolloutsPath, s.serveAdminRollouts, Admin)
	s.Handle(adminRolloutsPath+"/", s.serveAdminRollouts, Admin)
	if h := s.stages.Health; h != nil {
		h.AddUISource("rollouts", func() any { return rolloutCards(c.Status()) })
		h.AddHealthSource("rollouts", func() any { return c.Status() })
	}
}

// rolloutCard is one rollout on /ui: its state and its last analysis'
// verdict, without the decision history (GET /admin/rollouts has it).
type rolloutCard struct {
	Model    string   `json:"model"`
	Mode     string   `json:"mode"`
	State    string   `json:"state"`
	Percent  float64  `json:"percent"`
	Failures int      `json:"failures"`
	Last     string   `json:"last_analysis,omitempty"` // outcome, at, window
	Checks   []string `json:"checks_not_passing,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// rolloutCards reads the controller's status (JSON-shaped, whatever its
// Go type) into the cards; nil when it cannot.
func rolloutCards(status any) []rolloutCard {
	b, err := json.Marshal(status)
	if err != nil {
		return nil
	}
	var full []struct {
		rolloutCard
		LastA *struct {
			At      time.Time `json:"at"`
			Outcome string    `json:"outcome"`
			Window  string    `json:"window"`
			Checks  []struct {
				Name, Verdict, Limit, Detail string
			} `json:"checks"`
		} `json:"last"`
	}
	if json.Unmarshal(b, &full) != nil {
		return nil
	}
	cards := make([]rolloutCard, len(full))
	for i, f := range full {
		cards[i] = f.rolloutCard
		if a := f.LastA; a != nil {
			cards[i].Last = a.Outcome + " at " + a.At.UTC().Format(time.TimeOnly) + " over " + a.Window
			for _, ch := range a.Checks {
				if ch.Verdict != "pass" && ch.Verdict != "skipped" {
					cards[i].Checks = append(cards[i].Checks, ch.Name+" "+ch.Verdict+" ("+ch.Limit+") "+ch.Detail)
				}
			}
		}
	}
	return cards
}

func (s *Server) serveAdminRollouts(ctx *fasthttp.RequestCtx) {
	c := s.stages.Rollouts
	path := string(ctx.Path())
	if path == adminRolloutsPath || path == adminRolloutsPath+"/" {
		if !ctx.IsGet() && !ctx.IsHead() {
			ctx.Response.Header.Set("Allow", "GET, HEAD")
			writeError(ctx, &APIError{Status: 405, Type: typeInvalidRequest, Code: "method_not_allowed", Message: "use GET"})
			return
		}
		writeAdminJSON(ctx, struct {
			Rollouts any `json:"rollouts"`
		}{c.Status()})
		return
	}
	rest := strings.TrimPrefix(path, adminRolloutsPath+"/")
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "unknown_url",
			Message: "expected POST /admin/rollouts/{model}/promote|rollback|pause|resume"})
		return
	}
	model, action := rest[:i], rest[i+1:]
	switch action {
	case "promote", "rollback", "pause", "resume":
	default:
		writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "unknown_url",
			Message: "unknown rollout action " + truncate(action, 50) + "; use promote, rollback, pause or resume"})
		return
	}
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		writeError(ctx, &APIError{Status: 405, Type: typeInvalidRequest, Code: "method_not_allowed", Message: "use POST"})
		return
	}
	reason := string(ctx.QueryArgs().Peek("reason"))
	if reason == "" {
		reason = "admin API"
	}
	rctx, cancel := context.WithTimeout(context.Background(), rolloutActionTimeout)
	defer cancel()
	if err := c.Act(rctx, action, model, truncate(reason, 500)); err != nil {
		if errors.Is(err, ErrUnknownRollout) {
			writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "rollout_not_found", Param: "model",
				Message: "no rollout covers model '" + truncate(model, 200) + "'; GET /admin/rollouts lists them"})
			return
		}
		code := "rollout_action_failed" // e.g. the shared state could not be written
		if errors.Is(err, ErrRolloutFinished) {
			code = "rollout_finished"
		}
		writeError(ctx, &APIError{Status: 409, Type: typeInvalidRequest, Code: code, Message: err.Error()})
		return
	}
	writeAdminJSON(ctx, struct {
		Action   string `json:"action"`
		Model    string `json:"model"`
		Rollouts any    `json:"rollouts"`
	}{action, model, c.Status()})
}

func writeAdminJSON(ctx *fasthttp.RequestCtx, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e := errInternal
		writeError(ctx, &e)
		return
	}
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(b)
}
