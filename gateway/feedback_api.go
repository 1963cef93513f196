package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fasthttp"
)

// Feedback is an application's judgement of one answer, taken by POST
// /v1/feedback {"request_id","score","label","comment"}. Tenant, team and
// key id come from the caller's virtual key, never from the body: request
// ids are chosen by clients, so feedback is scoped to the caller's tenant
// and joined to the request's sample and ledger record by (tenant,
// request_id).
type Feedback struct {
	RequestID      string
	Tenant, Team   string
	KeyID          string
	Score          float64 // in [-1, 1]: -1 bad (thumbs down), 1 good (thumbs up)
	Label, Comment string
}

// FeedbackStore keeps validated feedback; false when it could not be
// taken (its queue is full): the client gets a 503 and may retry.
type FeedbackStore func(*Feedback) bool

// Feedback bounds, in bytes.
const (
	MaxFeedbackRequestID = 256
	MaxFeedbackLabel     = 64
	MaxFeedbackComment   = 4096
)

// feedbackBody is the request body; pointers tell a missing member.
type feedbackBody struct {
	RequestID *string  `json:"request_id"`
	Score     *float64 `json:"score"`
	Label     *string  `json:"label"`
	Comment   *string  `json:"comment"`
}

// handleFeedback serves POST /v1/feedback for a caller with a virtual key.
func (s *Server) handleFeedback(ctx *fasthttp.RequestCtx) {
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		writeError(ctx, &APIError{Status: fasthttp.StatusMethodNotAllowed, Type: typeInvalidRequest, Code: "method_not_allowed",
			Message: "use POST /v1/feedback with {\"request_id\",\"score\",\"label\",\"comment\"}"})
		return
	}
	p, aerr := s.rt.Load().keys.authenticate(&ctx.Request.Header)
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	if s.feedback == nil {
		writeError(ctx, &APIError{Status: fasthttp.StatusNotFound, Type: typeNotFound, Code: "feedback_off",
			Message: "feedback is stored in the evals sink: turn on evals.enabled in the gateway's config"})
		return
	}
	if aerr := s.limitFeedback(ctx, p.Tenant, p.Team, p.KeyID); aerr != nil {
		writeError(ctx, aerr)
		return
	}
	f, aerr := parseFeedback(ctx.PostBody())
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	f.Tenant, f.Team, f.KeyID = p.Tenant, p.Team, p.KeyID
	if !s.feedback(f) {
		writeError(ctx, &APIError{Status: fasthttp.StatusServiceUnavailable, Type: typeServer, Code: "feedback_queue_full",
			Message: "feedback could not be queued (the evals sink is behind); retry later", RetryAfter: 1})
		return
	}
	b := append(make([]byte, 0, 96), `{"object":"feedback","request_id":`...)
	b = jsonw.String(b, f.RequestID)
	b = append(b, `,"stored":true}`...)
	ctx.SetContentType("application/json")
	ctx.Response.SetBodyRaw(b)
}

// parseFeedback validates a feedback body into a Feedback (without the
// caller's identity).
func parseFeedback(body []byte) (*Feedback, *APIError) {
	var in feedbackBody
	if err := json.Unmarshal(body, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			want := "a string"
			if te.Field == "score" {
				want = "a number in [-1, 1]"
			}
			return nil, errInvalid(te.Field, te.Field+" must be "+want)
		}
		return nil, errInvalid("", "the body must be a JSON object {\"request_id\",\"score\",\"label\",\"comment\"}")
	}
	switch {
	case in.RequestID == nil || *in.RequestID == "":
		return nil, errInvalid("request_id", "request_id is required: the x-request-id of the answer judged")
	case len(*in.RequestID) > MaxFeedbackRequestID || !utf8.ValidString(*in.RequestID):
		return nil, errInvalid("request_id", "request_id must be valid UTF-8 of at most 256 bytes")
	case in.Score == nil:
		return nil, errInvalid("score", "score is required: a number in [-1, 1] (-1 bad, 1 good)")
	case *in.Score < -1 || *in.Score > 1:
		return nil, errInvalid("score", "score must be a number in [-1, 1]")
	case in.Label != nil && len(*in.Label) > MaxFeedbackLabel:
		return nil, errInvalid("label", "label must be at most 64 bytes")
	case in.Comment != nil && len(*in.Comment) > MaxFeedbackComment:
		return nil, errInvalid("comment", "comment must be at most 4096 bytes")
	}
	f := &Feedback{RequestID: *in.RequestID, Score: *in.Score}
	if in.Label != nil {
		f.Label = *in.Label
	}
	if in.Comment != nil {
		f.Comment = *in.Comment
	}
	return f, nil
}

// limitFeedback counts a feedback call against the key's (team's,
// tenant's) RPM, shared with its model calls: a flood of feedback is
// refused with a 429 like any other call. Tokens and budgets do not apply
// (feedback costs nothing upstream).
func (s *Server) limitFeedback(ctx *fasthttp.RequestCtx, tenant, team, keyID string) *APIError {
	if s.stages.Limiter == nil || !s.rt.Load().limitsOn {
		return nil
	}
	res, err := s.stages.Limiter.ReserveRequest(context.Background(), metering.Subject{Tenant: tenant, Team: team, KeyID: keyID})
	if err != nil {
		var x Exchange
		return limitError(&x, err)
	}
	if res != nil { // nil: fail-open while the limiter's Redis is down
		res.Headers().Apply(&ctx.Response.Header)
		res.Settle(context.Background(), 0, 0)
	}
	return nil
}
