package metering

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/valyala/fasthttp"
)

// usageQueryTimeout bounds one /v1/usage store query (Redis reads one hash per day of the range).
const usageQueryTimeout = 10 * time.Second

// ServeUsage answers GET /v1/usage?group_by=…&from=…&to=…[&format=csv|json]. The gateway mounts it and
// guards it with the admin key; bad parameters get a 400 in OpenAI's error shape naming the parameter.
func (l *Ledger) ServeUsage(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		writeAPIError(ctx, fasthttp.StatusMethodNotAllowed, "method not allowed; use GET", "invalid_request_error", "method_not_allowed", "")
		return
	}
	args := ctx.QueryArgs()
	get := func(name string) string { return string(args.Peek(name)) }
	format := get("format")
	if format != "" && format != "json" && format != "csv" {
		writeAPIError(ctx, fasthttp.StatusBadRequest, "format must be json or csv", "invalid_request_error", "invalid_parameter", "format")
		return
	}
	q, err := ParseUsageQuery(get, time.Now())
	if err != nil {
		var qe *QueryError
		if errors.As(err, &qe) {
			writeAPIError(ctx, fasthttp.StatusBadRequest, qe.Error(), "invalid_request_error", "invalid_parameter", qe.Param)
			return
		}
		writeAPIError(ctx, fasthttp.StatusBadRequest, err.Error(), "invalid_request_error", "invalid_parameter", "")
		return
	}
	// RequestCtx is a poor parent: Done closes only at server shutdown (and panics outside a server).
	qctx, cancel := context.WithTimeout(context.Background(), usageQueryTimeout)
	defer cancel()
	rows, err := l.Query(qctx, q)
	if err != nil {
		l.log.Error("usage query failed", "err", err)
		writeAPIError(ctx, fasthttp.StatusServiceUnavailable, "usage store unavailable; retry later", "server_error", "usage_unavailable", "")
		return
	}
	var body bytes.Buffer
	if format == "csv" {
		ctx.SetContentType("text/csv; charset=utf-8")
		err = WriteUsageCSV(&body, q, rows)
	} else {
		ctx.SetContentType("application/json")
		err = WriteUsageJSON(&body, q, rows)
	}
	if err != nil {
		writeAPIError(ctx, fasthttp.StatusInternalServerError, "encode usage: "+err.Error(), "server_error", "internal_error", "")
		return
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetBody(body.Bytes())
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Code    string  `json:"code"`
	Param   *string `json:"param"`
}

func writeAPIError(ctx *fasthttp.RequestCtx, status int, msg, typ, code, param string) {
	body := apiErrorBody{Message: msg, Type: typ, Code: code}
	if param != "" {
		body.Param = &param
	}
	b, _ := json.Marshal(apiError{Error: body}) // plain strings: cannot fail
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}
