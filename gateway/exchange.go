package gateway

import (
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Exchange is one request's state as it moves through the pipeline. It is
// pooled: nothing may keep a pointer to it after release, and anything a
// queue or goroutine keeps must be copied out first. For streams it lives
// until the stream writer finishes, after the handler has returned.
type Exchange struct {
	noCopy noCopy //nolint:unused

	start     time.Time
	endpoint  endpoint
	requestID []byte
	principal *Principal
	fields    requestFields
	rt        *runtime

	requested *model // what the client asked for
	served    *model // what answered (differs after a fallback)
	dep       *deployment

	status   int
	errKind  string // bounded set: "", timeout, connect, upstream_5xx, upstream_429, invalid_response, client_cancel, stream_broken
	ttft     time.Duration
	attempts int

	upReq   *fasthttp.Request
	upResp  *fasthttp.Response
	editBuf []byte // body with gateway edits (model rename), reused
}

var exchangePool = sync.Pool{New: func() any { return new(Exchange) }}

func acquireExchange() *Exchange {
	x := exchangePool.Get().(*Exchange)
	x.start = time.Now()
	return x
}

func releaseExchange(x *Exchange) {
	if x.upReq != nil {
		fasthttp.ReleaseRequest(x.upReq)
	}
	if x.upResp != nil {
		fasthttp.ReleaseResponse(x.upResp)
	}
	x.reset()
	exchangePool.Put(x)
}

func (x *Exchange) reset() {
	rid, eb := x.requestID[:0], x.editBuf[:0]
	if cap(eb) > 1<<20 { // do not pin huge bodies in the pool
		eb = nil
	}
	*x = Exchange{requestID: rid, editBuf: eb}
}

// RequestID is the id echoed in x-request-id.
func (x *Exchange) RequestID() string { return string(x.requestID) }

// Principal is the authenticated caller.
func (x *Exchange) Principal() *Principal { return x.principal }

// Model is the model the client asked for.
func (x *Exchange) Model() string { return x.fields.Model }

// ServedModel is the model that answered ("" if none did).
func (x *Exchange) ServedModel() string {
	if x.served == nil {
		return ""
	}
	return x.served.name
}

// Deployment names the deployment that answered ("" if none did).
func (x *Exchange) Deployment() string {
	if x.dep == nil {
		return ""
	}
	return x.dep.name
}

// Status is the HTTP status the client got.
func (x *Exchange) Status() int { return x.status }

// Duration since the request arrived.
func (x *Exchange) Duration() time.Duration { return time.Since(x.start) }

// noCopy makes go vet flag copies of an Exchange.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
