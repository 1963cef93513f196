package mockllm

import (
	"bytes"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// knobs are one request's behaviour: Options overridden by x-mock-* headers.
type knobs struct {
	latency      time.Duration
	ttft         time.Duration
	tokensPerSec float64
	errorRate    float64
	refusalRate  float64 // chats: probability of a refusal instead of an answer
	errorStatus  int
	retryAfter   int // seconds; -1 = no Retry-After header
	tokens       int // exact natural completion length; 0 = Options.MaxTokens
	failAfter    int // break the response after this many SSE events (bytes for non-stream); -1 = never
	noUsage      bool
	garbage      bool
	lexical      bool // embeddings: EmbeddingsLexical instead of EmbeddingsRandom
	gate         *Gate
}

const knobPrefix = "x-mock-"

// readKnobs starts from the server's Options and applies every x-mock-* header. Unknown x-mock-* headers and bad
// values are errors, so a typo in a test fails loudly instead of silently testing the default.
func (s *Server) readKnobs(h *fasthttp.RequestHeader, k *knobs) *apiError {
	*k = knobs{
		latency:      s.opts.Latency,
		ttft:         s.opts.TTFT,
		tokensPerSec: s.opts.TokensPerSec,
		errorRate:    s.opts.ErrorRate,
		refusalRate:  s.opts.RefusalRate,
		errorStatus:  s.opts.ErrorStatus,
		retryAfter:   -1,
		failAfter:    -1,
		lexical:      s.opts.Embeddings == EmbeddingsLexical,
	}
	for key, value := range h.All() {
		if len(key) <= len(knobPrefix) || !bytes.EqualFold(key[:len(knobPrefix)], []byte(knobPrefix)) {
			continue
		}
		if err := s.applyKnob(k, key, key[len(knobPrefix):], value); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) applyKnob(k *knobs, header, name, value []byte) *apiError {
	var err *apiError
	switch {
	case bytes.EqualFold(name, []byte("latency-ms")):
		k.latency, err = knobMillis(header, value)
	case bytes.EqualFold(name, []byte("ttft-ms")):
		k.ttft, err = knobMillis(header, value)
	case bytes.EqualFold(name, []byte("tokens-per-sec")):
		k.tokensPerSec, err = knobFloat(header, value, 0, 1e9)
	case bytes.EqualFold(name, []byte("error-rate")):
		k.errorRate, err = knobFloat(header, value, 0, 1)
	case bytes.EqualFold(name, []byte("refusal-rate")):
		k.refusalRate, err = knobFloat(header, value, 0, 1)
	case bytes.EqualFold(name, []byte("error-status")):
		k.errorStatus, err = knobInt(header, value, 400, 599)
	case bytes.EqualFold(name, []byte("retry-after")):
		k.retryAfter, err = knobInt(header, value, 0, 86400)
	case bytes.EqualFold(name, []byte("tokens")):
		k.tokens, err = knobInt(header, value, 1, maxTokensCap)
	case bytes.EqualFold(name, []byte("fail-after")):
		k.failAfter, err = knobInt(header, value, 0, 1<<30)
	case bytes.EqualFold(name, []byte("no-usage")):
		k.noUsage, err = knobBool(header, value)
	case bytes.EqualFold(name, []byte("garbage")):
		k.garbage, err = knobBool(header, value)
	case bytes.EqualFold(name, []byte("embeddings")):
		switch string(value) {
		case EmbeddingsRandom, EmbeddingsLexical:
			k.lexical = string(value) == EmbeddingsLexical
		default:
			return badRequest("", string(header)+": want random or lexical, got "+strconv.Quote(string(value)))
		}
	case bytes.EqualFold(name, []byte("gate")):
		if len(value) == 0 || len(value) > maxGateName {
			return badRequest("", string(header)+": want a gate name of 1 to "+strconv.Itoa(maxGateName)+" bytes")
		}
		g, gerr := s.gates.get(value)
		if gerr != nil {
			return badRequest("", string(header)+": "+gerr.Error())
		}
		k.gate = g
	default:
		return badRequest("", "unknown mock knob header "+strconv.Quote(string(header))+
			"; known: x-mock-latency-ms, x-mock-ttft-ms, x-mock-tokens-per-sec, x-mock-error-rate, x-mock-refusal-rate, x-mock-error-status, "+
			"x-mock-retry-after, x-mock-tokens, x-mock-fail-after, x-mock-no-usage, x-mock-garbage, x-mock-embeddings, x-mock-gate")
	}
	return err
}

func knobInt(header, value []byte, lo, hi int) (int, *apiError) {
	v, err := strconv.Atoi(string(value))
	if err != nil || v < lo || v > hi {
		return 0, badRequest("", string(header)+": want an integer in ["+strconv.Itoa(lo)+", "+strconv.Itoa(hi)+
			"], got "+strconv.Quote(string(value)))
	}
	return v, nil
}

func knobMillis(header, value []byte) (time.Duration, *apiError) {
	ms, err := knobInt(header, value, 0, int(maxDelay/time.Millisecond))
	return time.Duration(ms) * time.Millisecond, err
}

func knobFloat(header, value []byte, lo, hi float64) (float64, *apiError) {
	v, err := strconv.ParseFloat(string(value), 64)
	if err != nil || !(v >= lo && v <= hi) {
		return 0, badRequest("", string(header)+": want a number in ["+strconv.FormatFloat(lo, 'g', -1, 64)+", "+
			strconv.FormatFloat(hi, 'g', -1, 64)+"], got "+strconv.Quote(string(value)))
	}
	return v, nil
}

func knobBool(header, value []byte) (bool, *apiError) {
	switch string(value) {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, badRequest("", string(header)+": want 1, true, 0 or false, got "+strconv.Quote(string(value)))
}
