package gateway

import (
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fasthttp"
)

// Exchange is one request's state as it moves through the pipeline. It is
// pooled: nothing may keep a pointer to it after release, and anything a
// queue or goroutine keeps must be copied out first. For streams it lives
// until the stream writer finishes, after the handler has returned.
// Pipeline stages never get it: they get a View (gateway/stage_view.go).
type Exchange struct {
	noCopy noCopy //nolint:unused

	start     time.Time
	endpoint  endpoint
	api       inboundAPI      // the API the client called (the pipeline runs on its OpenAI translation)
	native    *nativeMessages // a Messages API request's own body, for anthropic upstreams; handler-owned
	tee       *nativeTee      // the native stream's bytes, for the stream writer (gateway/messages_api_native.go)
	requestID []byte
	principal *Principal
	fields    requestFields
	rt        *servingConfig
	body      []byte // the client's body; valid only while the handler runs

	requested *model      // what the client asked for
	served    *model      // what answered (differs after a fallback); set only by commit
	dep       *deployment // the deployment that answered; set only by commit
	blamed    *deployment // when nothing answered: the last deployment that failed,
	blamedBy  *model      // and its model; health and the records name them

	status   int
	errKind  string        // "" or a health.Err* constant
	ttft     time.Duration // to the first byte (buffered) or first relayed event (stream)
	events   int           // SSE events relayed
	attempts int

	upReq    *fasthttp.Request
	upResp   *fasthttp.Response
	editBuf  []byte // body with per-deployment edits (model rename), reused
	reqBuf   []byte // body with the policy's edits (max_tokens cap), reused
	usageBuf []byte // body with stream_options.include_usage added, reused
	transBuf []byte // a translated upstream's answer, reused (gateway/provider_call.go)
	// call is a translated upstream's attempt (its provider's view of it);
	// a provider's stream borrows it until the relay ends.
	call providers.Call

	reservation  *metering.Reservation
	admission    metering.Admission // limit counters, planned once for the policy's spend read and the reservation
	tags         map[string]string
	policyResult string        // allow | deny | rewrite | error; "" = no policy
	policyIn     *policy.Input // kept from the request phase when the policy has response rules

	// meter holds the one parse of the body (until the handler lets go of
	// it), the prompt estimate, the usage the upstream reports (or the
	// relayed text), and prices the request at the end (gateway/account.go).
	meter metering.Meter
	// The revision policyIn was filled for (only its parts are): it decides
	// the response phase too.
	policyRev policy.Serving

	// Pass-through: the route, once the caller was allowed on it (its
	// ledger record is written from then on), and the bytes relayed.
	route             *route
	bytesIn, bytesOut int64

	// Pipeline stages (gateway/pipeline.go); all zero when none is configured.
	pipe       *pipeline
	entered    uint8            // bit i: stage i entered the request (its response hooks run)
	findings   []policy.Finding // request inspection's, for the policy input
	respFound  []policy.Finding // the answer's (View.AddResponseFinding), for the evals sample
	decision   policy.Decision  // the request phase's, for DecisionApplier (when decided)
	decided    bool
	respRedact []string          // the response-phase decision's redact list
	stageState []any             // View.State, by stage index
	notes      map[string]string // View.Note, by stage name: the ledger record's stages
	answeredBy string            // the stage that answered in the upstream's place
	filters    *filterChain      // this stream's filters
	respBody   []byte            // the buffered answer sent, for Finish (borrowed from ctx)
	detached   bool              // a stream writer owns x: the client's body is fasthttp's again

	// The response cache's view of the request (View.Header, SetCacheResult,
	// SetOutputProfile, Answer.PricedAs).
	reqHeader     *fasthttp.RequestHeader // the client's headers; valid only while the handler runs
	cacheResult   string                  // x-tollgate-cache, the cache metric's result and the access log's
	outputProfile string                  // the output filters in force (the filters stage sets it)
	outputFlagged bool                    // an output filter found something in the answer (View.FlagOutput): not cached
	pricedAs      string                  // a stage's answer: the model its cost saved is priced under

	// Rollouts (gateway/rollout_split.go); all zero when no rollout covers
	// the request.
	rollout     *rolloutServing // the rollout of the requested model, once the split picked a variant
	split       RolloutRoute    // the split's pick
	variant     *model          // what serves the request in place of requested (its chain is forwarded)
	variantFail int             // the first failed attempt's status on the target model (before retries and fallbacks)
	shadowBody  []byte          // the request, copied for the shadow call (split.Shadow)
	shadow      *shadowCall     // this exchange is a shadow call (gateway/rollout_shadow.go)
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
	if x.policyIn != nil {
		releaseInput(x.policyIn)
	}
	if x.filters != nil {
		releaseFilterChain(x.filters)
	}
	x.reset()
	exchangePool.Put(x)
}

func (x *Exchange) reset() {
	x.meter.Reset()
	clear(x.findings) // drop the strings they hold
	clear(x.respFound)
	clear(x.stageState)
	*x = Exchange{requestID: x.requestID[:0], editBuf: keep(x.editBuf), reqBuf: keep(x.reqBuf), usageBuf: keep(x.usageBuf), transBuf: keep(x.transBuf), shadowBody: keep(x.shadowBody), meter: x.meter,
		findings: x.findings[:0], respFound: x.respFound[:0], stageState: x.stageState, admission: x.admission.Reuse()}
}

// keep returns b emptied for reuse, or nil when it grew too large to pin
// in the pool.
func keep(b []byte) []byte {
	if cap(b) > 1<<20 {
		return nil
	}
	return b[:0]
}

// ServedModel is the model that answered ("" if none did).
func (x *Exchange) ServedModel() string {
	if x.served == nil {
		return ""
	}
	return x.served.name
}

// noCopy makes go vet flag copies of an Exchange.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
