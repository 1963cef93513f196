package cache

import (
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// Storing: the answer a miss got, recorded (streams) or captured
// (buffered), checked complete and stored under the model that served it.

// InspectStream implements gateway.StreamInspector: a streamed miss that
// may be stored (or leads followers) is recorded.
func (s *Stage) InspectStream(v gateway.View) gateway.StreamFilter {
	st, _ := v.State().(*reqState)
	if st == nil || st.follows != nil || v.AnsweredBy() != "" {
		return nil
	}
	r := recorderPool.Get().(*recorder)
	r.flight, r.limit = st.flight, st.maxEntry
	st.rec = r
	return r
}

// InspectResponse implements gateway.ResponseInspector: it keeps a copy of
// a buffered answer it may store, as the upstream gave it.
func (s *Stage) InspectResponse(v gateway.View, body []byte) ([]byte, *gateway.APIError) {
	st, _ := v.State().(*reqState)
	// A leader keeps any size: its followers get the answer even when it is
	// too big to store.
	if st != nil && st.follows == nil && v.AnsweredBy() == "" && (len(body) <= st.maxEntry || st.flight != nil) {
		st.body = append(st.body[:0], body...)
	}
	return body, nil
}

// Finish implements gateway.Finisher: a complete, successful answer is
// stored under the model that served it, and a leader's followers get it.
func (s *Stage) Finish(v gateway.View, body []byte) {
	st, _ := v.State().(*reqState)
	if st == nil {
		return
	}
	defer s.release(st)
	if st.follows != nil {
		st.follows.mu.Lock()
		e := st.follows.entry
		st.follows.mu.Unlock()
		if e != nil {
			v.SetAnswerUsage(e.Usage, e.Model)
		}
		return
	}
	e, complete := s.answerOf(v, st)
	if st.flight != nil {
		if complete {
			s.flights.end(st.flight, e, nil)
		} else {
			s.flights.end(st.flight, nil, failureOf(v, body))
		}
	}
	if !complete || e == nil || e.Body == nil {
		if st.pending != nil {
			st.pending.Release()
		}
		return
	}
	if v.OutputFlagged() { // an output filter found something in it: never kept for others
		notStored["flagged"].Inc()
		if st.pending != nil {
			st.pending.Release()
		}
		return
	}
	served := v.ServedModel()
	if served == "" {
		served = st.parts.Model
	}
	parts := st.parts
	if served != parts.Model { // a fallback answered: its own key
		parts.Model = served
		parts.Gen = s.gens.of(parts.Scope, served)
	}
	if len(e.Body) > st.maxEntry {
		notStored["too_big"].Inc()
		if st.pending != nil {
			st.pending.Release()
		}
		return
	}
	k := MakeKey(&parts, &st.digest)
	s.mem.set(k, e, st.ttl)
	if s.l2 != nil {
		s.l2.set(k, e, st.ttl)
	}
	s.stores.Add(1)
	stored.Inc()
	if st.pending != nil {
		st.pending.Store(e, st.ttl)
	}
}

// answerOf is the answer the request got, as an entry: complete is false
// when it failed, was cut or abandoned. A complete answer too big to
// collect is complete with a nil Body (followers of a stream still finish).
func (s *Stage) answerOf(v gateway.View, st *reqState) (e *Entry, complete bool) {
	if v.Status() != 200 || v.AnsweredBy() != "" {
		return nil, false
	}
	u, known := v.Usage()
	if st.rec != nil {
		if !st.rec.complete() {
			if !st.rec.tooBig {
				notStored["incomplete"].Inc()
				return nil, false
			}
			notStored["too_big"].Inc()
			return &Entry{Kind: KindChat, Usage: u}, st.rec.flushed && !st.rec.broken
		}
		e = st.rec.entry(u, known)
		if e.Model == "" {
			e.Model = v.ServedModel()
		}
		return e, true
	}
	if st.body == nil {
		notStored["too_big"].Inc()
		return &Entry{Kind: KindChat, Usage: u}, true
	}
	return bufferedEntry(st.parts.Endpoint, st.body, u, known, v.ServedModel())
}

var parserPool fastjson.ParserPool

// bufferedEntry checks a buffered answer is complete (every choice has a
// finish_reason; embeddings have data) and makes it an entry. body is
// owned by the entry from here on.
func bufferedEntry(endpoint string, body []byte, u metering.Usage, known bool, served string) (*Entry, bool) {
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		notStored["incomplete"].Inc()
		return nil, false
	}
	kind := KindJSON
	if endpoint == "embeddings" {
		if len(v.GetArray("data")) == 0 {
			notStored["incomplete"].Inc()
			return nil, false
		}
	} else {
		choices := v.GetArray("choices")
		for _, c := range choices {
			if len(c.GetStringBytes("finish_reason")) == 0 {
				choices = nil
				break
			}
		}
		if len(choices) == 0 {
			notStored["incomplete"].Inc()
			return nil, false
		}
		if endpoint == "chat" {
			kind = KindChat
		}
	}
	if !known {
		if uv := v.Get("usage"); uv != nil {
			u = metering.Usage{PromptTokens: uv.GetInt("prompt_tokens"), CompletionTokens: uv.GetInt("completion_tokens")}
		}
	}
	model := string(v.GetStringBytes("model"))
	if model == "" {
		model = served
	}
	return &Entry{Kind: kind, Model: model, Usage: u, Body: body}, true
}

// failureOf is what a failed leader's buffered followers get: its own
// error answer when it had one.
func failureOf(v gateway.View, body []byte) *failed {
	st := v.Status()
	if st >= 400 && len(body) > 0 && !v.Stream() {
		return &failed{status: st, body: append([]byte(nil), body...)}
	}
	return &failed{status: 502}
}
