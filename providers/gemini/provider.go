// Package gemini translates OpenAI chat completions and embeddings to
// Google's Gemini API (generateContent, streamGenerateContent?alt=sse,
// embedContent, batchEmbedContents with an API key) and to Vertex AI (the
// same bodies under a project and location, with a service account's
// OAuth tokens), and their answers back.
//
// What the translation does that a reader might not expect:
//   - system and developer messages become systemInstruction; assistant is
//     "model"; consecutive messages of one role are merged into one content
//     (Gemini wants user and model turns); tool results are functionResponse
//     parts whose name is looked up from the assistant's tool_calls by id,
//     and whose response is the tool's JSON object, else {"output": text}.
//   - JSON schemas (tool parameters, response_format json_schema) keep only
//     the fields of Gemini's Schema object (type, format, title,
//     description, nullable, enum, items, properties, required,
//     propertyOrdering, anyOf, min/max Items, Length, Properties, minimum,
//     maximum, pattern, example, default); others Gemini rejects are
//     stripped ($schema, $id, $defs, definitions, additionalProperties,
//     strict, examples, const, oneOf, allOf, not, exclusiveMinimum,
//     exclusiveMaximum, patternProperties, ...). A type list such as
//     ["string","null"] becomes "type":"string","nullable":true; string
//     formats other than enum and date-time are dropped. $ref is refused
//     (400): dropping it would change the schema's meaning.
//   - A prompt blocked before any candidate (promptFeedback.blockReason) is
//     an OpenAI-shaped 400 with code "content_filter", not retried: the
//     same prompt would be blocked again, and an empty 200 would look like
//     a model that said nothing. A candidate stopped by safety is a normal
//     answer with finish_reason "content_filter".
//   - Gemini reports no usage for embeddings: the translated list carries
//     none, so the gateway's meter counts the input itself and records the
//     count as an estimate.
package gemini

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

const name = "gemini"

// Options configure one Gemini upstream.
type Options struct {
	// APIKey authenticates to the Gemini API (x-goog-api-key).
	APIKey string
	// Vertex, when set, targets Vertex AI instead, with OAuth tokens.
	Vertex *Vertex
}

// Provider is one Gemini or Vertex AI upstream. Safe for concurrent use.
type Provider struct {
	apiKey string
	vertex *vertexAuth
	prefix string // Vertex: /v1/projects/{p}/locations/{l}/publishers/google/models/
	ids    *wire.IDs
	now    func() time.Time
}

var _ providers.Provider = (*Provider)(nil)

// New returns a Provider; with Vertex options it reads the service
// account's credentials (no token is fetched until the first request).
func New(o Options) (*Provider, error) {
	p := &Provider{apiKey: o.APIKey, ids: wire.NewIDs(), now: time.Now}
	if o.Vertex == nil {
		if o.APIKey == "" {
			return nil, fmt.Errorf("gemini: an API key or Vertex credentials are needed")
		}
		return p, nil
	}
	a, err := newVertexAuth(o.Vertex)
	if err != nil {
		return nil, err
	}
	p.vertex = a
	p.prefix = "/v1/projects/" + o.Vertex.Project + "/locations/" + o.Vertex.Location + "/publishers/google/models/"
	return p, nil
}

var parsers fastjson.ParserPool

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
	var method string
	var perr *providers.Error
	switch c.Endpoint {
	case providers.Chat:
		bb.B, perr = p.appendChat(bb.B[:0], v)
		method = ":generateContent"
		if c.Stream {
			method = ":streamGenerateContent"
		}
	case providers.Embeddings:
		if p.vertex != nil {
			return wire.Unsupported(name, "embeddings", "Vertex AI embeds through :predict, not embedContent; use the Gemini API")
		}
		var batch bool
		bb.B, batch, perr = appendEmbed(bb.B[:0], v, c.Model)
		method = ":embedContent"
		if batch {
			method = ":batchEmbedContents"
		}
	default:
		return wire.Unsupported(name, "endpoint", "only chat completions and embeddings")
	}
	if perr != nil {
		return perr
	}
	req.Header.SetMethod(fasthttp.MethodPost)
	uri := req.URI()
	var pathBuf [256]byte
	path := append(pathBuf[:0], base...)
	if p.vertex != nil {
		path = append(path, p.prefix...)
	} else {
		path = append(path, "/v1beta/"...)
		if !bytes.HasPrefix([]byte(c.Model), []byte("models/")) && !bytes.HasPrefix([]byte(c.Model), []byte("tunedModels/")) {
			path = append(path, "models/"...)
		}
	}
	path = append(path, c.Model...)
	path = append(path, method...)
	uri.SetPathBytes(path)
	if c.Stream && c.Endpoint == providers.Chat {
		uri.SetQueryString("alt=sse")
	} else {
		uri.SetQueryString("")
	}
	req.Header.SetContentType("application/json")
	if p.vertex != nil {
		tok, err := p.vertex.token()
		if err != nil {
			return &providers.Error{Status: 502, Type: "api_error", Retryable: true,
				Message: "gemini: Vertex AI token: " + err.Error()}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	} else {
		req.Header.Set("x-goog-api-key", p.apiKey)
	}
	req.SetBody(bb.B)
	return nil
}
