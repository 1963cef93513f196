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
		status := func() any { return c.Status() }
		h.AddUISource("rollouts", status)
		h.AddHealthSource("rollouts", status)
	}
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
