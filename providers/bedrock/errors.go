package bedrock

import (
	"strings"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// TranslateError implements providers.Provider.
func (p *Provider) TranslateError(status int, body []byte) *providers.Error {
	var typ, msg string
	ps := parsers.Get()
	if v, err := ps.ParseBytes(body); err == nil && v.Type() == fastjson.TypeObject {
		typ = string(v.GetStringBytes("__type"))
		if typ == "" {
			typ = string(v.GetStringBytes("code"))
		}
		msg = string(v.GetStringBytes("message"))
		if msg == "" {
			msg = string(v.GetStringBytes("Message"))
		}
	}
	parsers.Put(ps)
	return exception(status, typ, msg)
}

// exception maps a Bedrock exception (by name, else by HTTP status) to
// OpenAI's terms.
func exception(status int, typ, msg string) *providers.Error {
	// "com.amazon.bedrock#ThrottlingException:http://…" → ThrottlingException
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		typ = typ[i+1:]
	}
	if i := strings.IndexByte(typ, ':'); i >= 0 {
		typ = typ[:i]
	}
	s := status
	switch strings.ToLower(typ) {
	case "throttlingexception", "servicequotaexceededexception", "toomanyrequestsexception":
		s = 429
	case "modelnotreadyexception", "serviceunavailableexception":
		s = 503
	case "validationexception", "serializationexception":
		s = 400
	case "accessdeniedexception", "unrecognizedclientexception", "invalidsignatureexception", "expiredtokenexception":
		s = 403
		if strings.EqualFold(typ, "UnrecognizedClientException") {
			s = 401
		}
	case "resourcenotfoundexception":
		s = 404
	case "modeltimeoutexception":
		s = 504
	case "internalserverexception":
		s = 500
	case "modelerrorexception", "modelstreamerrorexception":
		s = 502
	default:
		switch {
		case status == 408:
			s = 504
		case status == 424:
			s = 502
		case status == 0:
			s = 502
		}
	}
	if msg == "" {
		msg = "upstream error"
	}
	m := "bedrock: " + msg
	if typ != "" {
		m += " (" + typ + ")"
	}
	e := wire.FromStatus(s, m)
	if s == 502 {
		e.Retryable = true
	}
	return e
}
