package gateway

import (
	"bytes"
	"io"
	"strconv"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/messagesapi"
	"github.com/valyala/fasthttp"
)

// Native forwarding: a Messages API request that reaches an anthropic
// upstream is sent as the client wrote it (model and a policy's max_tokens
// cap edited in, a stage's rewrite mapped back onto its blocks), so what
// the translation does not model (cache_control, thinking blocks and
// their signatures, betas) survives. The pipeline still runs on the
// OpenAI view: the upstream's answer is translated for the meter and the
// stages as any anthropic answer is, and a buffered answer the stages
// left as it was goes back to the client as the upstream wrote it.
// A stream from the upstream is read through the provider's translation
// (the meter and the relay see OpenAI chunks) while its own bytes are
// kept, and the client gets those, event by event, unless stream filters
// run (they rewrite OpenAI chunks): then both translations apply.

// inbound is a request that came in on another API than OpenAI's.
type inbound struct {
	api    inboundAPI
	body   []byte          // its OpenAI translation, which the pipeline runs on
	native *nativeMessages // nil unless native forwarding is possible
}

// nativeMessages is a Messages API request's own body and the native
// answer, owned by the handler (messagesBuffers) and valid while it runs.
type nativeMessages struct {
	client     []byte                  // the client's body
	translated []byte                  // its OpenAI translation as the pipeline started
	maxTokens  int                     // the client's max_tokens
	header     *fasthttp.RequestHeader // the client's (anthropic-version, anthropic-beta)
	mapped     []byte                  // client with a stage's rewrite carried over
	buf, tmp   []byte                  // the body sent, with the deployment's edits
	answer     []byte                  // the anthropic upstream's 2xx answer as it came
	answerOAI  []byte                  // its OpenAI translation as the stages got it
	live       bool                    // this attempt went out natively
	hasAnswer  bool
}

func (n *nativeMessages) reset() {
	keepBuf := func(b []byte) []byte {
		if cap(b) > 1<<20 {
			return nil
		}
		return b[:0]
	}
	*n = nativeMessages{mapped: keepBuf(n.mapped), buf: keepBuf(n.buf), tmp: keepBuf(n.tmp),
		answer: keepBuf(n.answer), answerOAI: keepBuf(n.answerOAI)}
}

// nativeTranslated counts Messages API requests to anthropic upstreams
// sent translated because a stage's rewrite could not be mapped back.
var nativeTranslated = metrics.NewCounter(`tollgate_messages_native_fallbacks_total`)

var anthropicMessagesPath = []byte("/v1/messages")

// forwardNative writes the native request for d when x came in on the
// Messages API and d is an anthropic upstream; false sends the OpenAI
// body through d's provider instead.
func (x *Exchange) forwardNative(req *fasthttp.Request, d *deployment, body []byte) bool {
	n := x.native
	if n == nil {
		return false
	}
	n.live, n.hasAnswer = false, false
	u := d.upstream
	if u.cfg.Kind != config.KindAnthropic {
		return false
	}
	src := n.client
	if rewritten(body, n.translated) {
		mapped, ok := messagesapi.ApplyRewrite(n.mapped[:0], n.client, n.translated, body)
		n.mapped = mapped
		if !ok {
			nativeTranslated.Inc()
			return false
		}
		src = mapped
	}
	out, err := setTopLevel(n.buf[:0], src, "model", d.modelJSON)
	if err != nil {
		return false
	}
	n.buf = out
	if x.fields.MaxTokens > 0 && x.fields.MaxTokens != n.maxTokens { // the policy's cap
		capped, err := setTopLevel(n.tmp[:0], out, "max_tokens", strconv.AppendInt(nil, int64(x.fields.MaxTokens), 10))
		if err != nil {
			return false
		}
		n.tmp, n.buf, out = n.buf, capped, capped
	}
	x.call = providers.Call{Endpoint: providers.Chat, Model: d.upstreamModel, Stream: x.fields.Stream, Body: body}
	setAnthropicRequest(req, u, n.header, anthropicMessagesPath)
	req.SetBodyRaw(out)
	n.live = true
	return true
}

// setAnthropicRequest points req at path under u and sets u's key and the
// API version (the client's, when it sent one) and the client's betas.
func setAnthropicRequest(req *fasthttp.Request, u *upstream, h *fasthttp.RequestHeader, path []byte) {
	uri := req.URI()
	uri.SetPathBytes(append(append(uri.Path()[:0], u.prefix...), path...))
	req.Header.Set("x-api-key", u.cfg.APIKey)
	v := h.Peek("anthropic-version")
	if len(v) == 0 {
		v = []byte(u.cfg.Anthropic.Version)
	}
	if len(v) == 0 {
		v = []byte(config.DefaultAnthropicVersion)
	}
	req.Header.SetBytesV("anthropic-version", v)
	if b := h.Peek("anthropic-beta"); len(b) > 0 {
		req.Header.SetBytesV("anthropic-beta", b)
	}
}

// rewritten reports whether a stage changed the messages of the OpenAI
// body since the translation (the model, max_tokens and stream_options
// edits of the gateway are elsewhere).
func rewritten(body, translated []byte) bool {
	a, err1 := findMember(body, "messages")
	b, err2 := findMember(translated, "messages")
	if err1 != nil || err2 != nil || a.vs < 0 || b.vs < 0 {
		return true
	}
	return !bytes.Equal(body[a.vs:a.ve], translated[b.vs:b.ve])
}

// keepAnswer is x.translateAnswer that, for an answer to a native
// request, first keeps the upstream's own body and then the translation
// the stages read, so the handler can send the former when the stages
// left the latter as it was.
func (n *nativeMessages) keepAnswer(x *Exchange, p providers.Provider, resp *fasthttp.Response) *providers.Error {
	if n == nil || !n.live {
		return x.translateAnswer(p, resp)
	}
	n.answer = append(n.answer[:0], resp.Body()...)
	if e := x.translateAnswer(p, resp); e != nil {
		return e
	}
	n.answerOAI = append(n.answerOAI[:0], resp.Body()...)
	n.hasAnswer = true
	return nil
}

// nativeAnswer is the upstream's own answer when the body the client is
// about to get is the untouched translation of it.
func (n *nativeMessages) nativeAnswer(openAIBody []byte) []byte {
	if n == nil || !n.hasAnswer || !bytes.Equal(openAIBody, n.answerOAI) {
		return nil
	}
	return n.answer
}

// nativeTee keeps the bytes of an anthropic upstream's stream as the
// provider's decoder reads them, for a client that gets them as they are.
type nativeTee struct {
	r   io.Reader
	buf []byte
	dep *deployment // the attempt's: a retry elsewhere leaves this tee unused
}

func (t *nativeTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// nativeStreamBody is the body the provider's stream decoder reads: for a
// native request, through a tee whose bytes the stream writer relays.
func (x *Exchange) nativeStreamBody(d *deployment, body io.Reader) io.Reader {
	x.tee = nil
	if x.native == nil || !x.native.live {
		return body
	}
	x.tee = &nativeTee{r: body, buf: make([]byte, 0, 4<<10), dep: d}
	return x.tee
}

var (
	eventMessageDelta = []byte("event: message_delta")
	eventMessageStop  = []byte("event: message_stop")
	eventBoundary     = []byte("\n\n")
)

// takeEvents moves the complete events at the head of t.buf to dst. Unless
// all is set it stops before message_delta: the end of the message waits
// for the relay's end (a response-phase policy may still withhold it).
func (t *nativeTee) takeEvents(dst []byte, all bool) []byte {
	cut := 0
	for {
		i := bytes.Index(t.buf[cut:], eventBoundary)
		if i < 0 {
			break
		}
		ev := t.buf[cut:]
		if !all && (bytes.HasPrefix(ev, eventMessageDelta) || bytes.HasPrefix(ev, eventMessageStop)) {
			break
		}
		cut += i + len(eventBoundary)
	}
	dst = append(dst, t.buf[:cut]...)
	t.buf = append(t.buf[:0], t.buf[cut:]...)
	return dst
}
