// Package bedrock translates OpenAI chat completions to Amazon Bedrock's
// Converse and ConverseStream APIs, and embeddings to InvokeModel for
// Titan and Cohere embedding models, signing every request with SigV4
// (the AWS SDK's signer) and decoding ConverseStream's AWS event-stream
// frames with the SDK's decoder.
//
// Notes on the mapping:
//   - system and developer messages become system blocks; consecutive
//     messages of one role are merged (Converse wants turns to alternate);
//     role "tool" becomes a user toolResult block (a JSON object result as
//     {"json":…}, anything else as {"text":…}).
//   - Images must be data URLs (Converse takes bytes, or S3 locations the
//     gateway cannot give); an http URL is a 400.
//   - Fields Converse cannot express are refused with a 400 naming the
//     field: n > 1, seed, presence/frequency_penalty, logprobs,
//     response_format other than text, reasoning_effort (model-specific
//     on Bedrock), tool_choice "none".
//   - Errors are mapped by the __type or code member of the body when
//     present (the mock and some AWS front ends send it) and otherwise by
//     the HTTP status, which on Bedrock identifies the exception for every
//     case the retry rules care about (429 throttling and model not ready,
//     503 unavailable, 408 model timeout).
package bedrock

import (
	"errors"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/bytebufferpool"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

const name = "bedrock"

// Options configure one Bedrock upstream. Empty credentials and region
// come from the standard AWS environment variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or
// AWS_DEFAULT_REGION), read once by New.
type Options struct {
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Provider is one Bedrock upstream. Safe for concurrent use.
type Provider struct {
	region string
	creds  aws.Credentials
	signer *v4.Signer
	ids    *wire.IDs
	now    func() time.Time
}

var _ providers.Provider = (*Provider)(nil)

// New returns a Provider, or an error when no credentials or region are
// configured or in the environment.
func New(o Options) (*Provider, error) {
	if o.AccessKeyID == "" && o.SecretAccessKey == "" {
		o.AccessKeyID = os.Getenv("AWS_ACCESS_KEY_ID")
		o.SecretAccessKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
		if o.SessionToken == "" {
			o.SessionToken = os.Getenv("AWS_SESSION_TOKEN")
		}
	}
	if o.Region == "" {
		o.Region = os.Getenv("AWS_REGION")
	}
	if o.Region == "" {
		o.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if o.AccessKeyID == "" || o.SecretAccessKey == "" {
		return nil, errors.New("bedrock: no AWS credentials (config or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
	}
	if o.Region == "" {
		return nil, errors.New("bedrock: no AWS region (config or AWS_REGION)")
	}
	return &Provider{
		region: o.Region,
		creds:  aws.Credentials{AccessKeyID: o.AccessKeyID, SecretAccessKey: o.SecretAccessKey, SessionToken: o.SessionToken, Source: "tollgate"},
		signer: v4.NewSigner(),
		ids:    wire.NewIDs(),
		now:    time.Now,
	}, nil
}

var (
	parsers  fastjson.ParserPool
	bodyPool bytebufferpool.Pool
	scratch  = sync.Pool{New: func() any { return new(wire.Params) }}
)

// PrepareRequest implements providers.Provider.
func (p *Provider) PrepareRequest(req *fasthttp.Request, base string, c *providers.Call) error {
	ps := parsers.Get()
	defer parsers.Put(ps)
	v, err := ps.ParseBytes(c.Body)
	if err != nil {
		return wire.Invalid(name, "body", "not valid JSON")
	}
	bb := bodyPool.Get()
	defer bodyPool.Put(bb)
	var op string
	var perr *providers.Error
	switch c.Endpoint {
	case providers.Chat:
		params := scratch.Get().(*wire.Params)
		bb.B, perr = appendConverse(bb.B[:0], v, params)
		scratch.Put(params)
		op = "/converse"
		if c.Stream {
			op = "/converse-stream"
		}
	case providers.Embeddings:
		bb.B, perr = appendEmbed(bb.B[:0], v, c.Model)
		op = "/invoke"
	default:
		return wire.Unsupported(name, "endpoint", "only chat completions and embeddings")
	}
	if perr != nil {
		return perr
	}
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	if c.Stream && c.Endpoint == providers.Chat {
		req.Header.Set("Accept", "application/vnd.amazon.eventstream")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	uri := req.URI()
	// The path goes out as fasthttp normalizes it ("…v1:0" stays
	// unescaped) and is signed as it goes out (sign reads RequestURI):
	// AWS canonicalizes the path it receives, so both sides agree. The SDK
	// sends %3A instead; either is valid SigV4.
	uri.DisablePathNormalizing = false
	path := append(make([]byte, 0, len(base)+len(c.Model)+24), base...)
	path = append(path, "/model/"...)
	path = appendModelID(path, c.Model)
	path = append(path, op...)
	uri.SetPathBytes(path)
	uri.SetQueryString("")
	req.SetBody(bb.B)
	if err := p.sign(req); err != nil {
		return &providers.Error{Status: 500, Type: "api_error", Message: "bedrock: signing: " + err.Error()}
	}
	return nil
}

// appendModelID appends a model id as one path segment: ids and
// inference-profile names ("us.anthropic…-v2:0") go as they are; a "/" (in
// an ARN) is sent as %2F, which survives only where path normalizing is
// off, so ARNs are best given as their profile or model id.
func appendModelID(dst []byte, id string) []byte {
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			dst = append(dst, "%2F"...)
		} else {
			dst = append(dst, id[i])
		}
	}
	return dst
}
