package semantic

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// Embedder turns a text into a vector. Implementations must be safe for concurrent use.
type Embedder interface {
	// Embed returns text's embedding and the prompt tokens the call used (for the ledger: the gateway's own cost,
	// tagged as the cache's). Any error means: no semantic lookup for this request, never a failed request.
	Embed(ctx context.Context, text string) (Embedding, error)
}

// Embedding is one text's vector and what computing it cost.
type Embedding struct {
	Vector []float32
	Tokens int // usage.prompt_tokens as the endpoint reported it; 0 when it reported none
}

// DefaultEmbedTimeout bounds one embedding call: the client's request waits for it, so it must stay short.
const DefaultEmbedTimeout = 2 * time.Second

// ErrEmbedTimeout is returned (wrapped) when the embedding endpoint did not answer within the timeout.
var ErrEmbedTimeout = errors.New("semantic: embedding call timed out")

// OpenAIEmbedderOptions configure an OpenAIEmbedder.
type OpenAIEmbedderOptions struct {
	// BaseURL of an OpenAI-compatible API, e.g. https://api.openai.com/v1: requests go to BaseURL + "/embeddings".
	// With AzureAPIVersion set, the Azure resource URL instead: requests go to
	// BaseURL + "/openai/deployments/" + Model + "/embeddings?api-version=" + AzureAPIVersion.
	BaseURL         string
	AzureAPIVersion string
	APIKey          string // sent as "Authorization: Bearer …" (Azure: "api-key: …"); never logged nor in errors
	Model           string // the embedding model (Azure: the deployment name)
	Dimensions      int    // asks for a shorter vector when the model supports it; 0 = the model's own
	Timeout         time.Duration
	// Dial, when set, opens the connections (the in-process mock upstream, tests); nil = TCP.
	Dial fasthttp.DialFunc
	// MaxConns bounds the connections to the endpoint; 0 = 64.
	MaxConns int
}

// OpenAIEmbedder calls an OpenAI-compatible /embeddings endpoint through fasthttp.
type OpenAIEmbedder struct {
	client  *fasthttp.HostClient
	url     string
	auth    string // the full header value, built once
	azure   bool
	model   string
	dims    int
	timeout time.Duration
	parsers fastjson.ParserPool
}

// NewOpenAIEmbedder checks the options and returns an embedder. It does not connect.
func NewOpenAIEmbedder(o OpenAIEmbedderOptions) (*OpenAIEmbedder, error) {
	u, err := url.Parse(strings.TrimSuffix(o.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("semantic: embedder base URL must be an absolute http(s) URL")
	}
	if o.Model == "" {
		return nil, errors.New("semantic: embedder model is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultEmbedTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 64
	}
	e := &OpenAIEmbedder{model: o.Model, dims: o.Dimensions, timeout: o.Timeout, azure: o.AzureAPIVersion != ""}
	if e.azure {
		e.url = u.String() + "/openai/deployments/" + url.PathEscape(o.Model) + "/embeddings?api-version=" +
			url.QueryEscape(o.AzureAPIVersion)
		e.auth = o.APIKey
	} else {
		e.url = u.String() + "/embeddings"
		if o.APIKey != "" {
			e.auth = "Bearer " + o.APIKey
		}
	}
	e.client = &fasthttp.HostClient{
		Addr:                          hostPort(u),
		IsTLS:                         u.Scheme == "https",
		Dial:                          o.Dial,
		MaxConns:                      o.MaxConns,
		ReadTimeout:                   o.Timeout,
		WriteTimeout:                  o.Timeout,
		MaxIdleConnDuration:           90 * time.Second,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
	}
	return e, nil
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}

// Embed calls the endpoint once, within the timeout or ctx's deadline, whichever comes first. Errors name the
// failure (timeout, status, malformed answer) but never the text, the key or the endpoint's error message (which
// may echo the input).
func (e *OpenAIEmbedder) Embed(ctx context.Context, text string) (Embedding, error) {
	if err := ctx.Err(); err != nil {
		return Embedding{}, err
	}
	deadline := time.Now().Add(e.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI(e.url)
	req.Header.SetContentType("application/json")
	if e.auth != "" {
		if e.azure {
			req.Header.Set("api-key", e.auth)
		} else {
			req.Header.Set("Authorization", e.auth)
		}
	}
	req.SetBodyRaw(e.appendBody(make([]byte, 0, len(text)+96), text))
	if err := e.client.DoDeadline(req, resp, deadline); err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || time.Now().After(deadline) {
			return Embedding{}, fmt.Errorf("%w after %s", ErrEmbedTimeout, e.timeout)
		}
		return Embedding{}, fmt.Errorf("semantic: embedding call failed: %w", err)
	}
	if sc := resp.StatusCode(); sc != fasthttp.StatusOK {
		return Embedding{}, fmt.Errorf("semantic: embedding endpoint answered status %d", sc)
	}
	return e.parse(resp.Body())
}

// appendBody renders {"model":…,"input":…,"encoding_format":"float"[,"dimensions":…]}.
func (e *OpenAIEmbedder) appendBody(dst []byte, text string) []byte {
	dst = append(dst, `{"model":`...)
	dst = jsonw.String(dst, e.model)
	dst = append(dst, `,"input":`...)
	dst = jsonw.String(dst, text)
	dst = append(dst, `,"encoding_format":"float"`...)
	if e.dims > 0 {
		dst = append(dst, `,"dimensions":`...)
		dst = strconv.AppendInt(dst, int64(e.dims), 10)
	}
	return append(dst, '}')
}

// parse reads data[0].embedding and usage.prompt_tokens.
func (e *OpenAIEmbedder) parse(body []byte) (Embedding, error) {
	p := e.parsers.Get()
	defer e.parsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return Embedding{}, errors.New("semantic: embedding answer is not JSON")
	}
	arr := v.GetArray("data", "0", "embedding")
	if len(arr) == 0 {
		return Embedding{}, errors.New(`semantic: embedding answer has no data[0].embedding`)
	}
	vec := make([]float32, len(arr))
	for i, x := range arr {
		f, err := x.Float64()
		if err != nil {
			return Embedding{}, errors.New("semantic: embedding answer holds a non-number")
		}
		vec[i] = float32(f)
	}
	return Embedding{Vector: vec, Tokens: v.GetInt("usage", "prompt_tokens")}, nil
}
