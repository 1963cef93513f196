package mockllm

import (
	"bufio"
	"errors"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"time"
)

var (
	errAborted = errors.New("mockllm: stream aborted by x-mock-fail-after")
	errClosed  = errors.New("mockllm: server closed")
)

// gatePing is how often a stream held at a gate writes an SSE comment, to notice a client that went away.
// 500 ms keeps go-openai's limit of 300 non-data lines per event far away within the 30 s gate timeout.
const gatePing = 500 * time.Millisecond

// streamJob is one SSE response. It owns copies of everything it needs: it runs after the handler returned,
// when the RequestCtx and the request body belong to someone else.
type streamJob struct {
	s      *Server
	plan   genPlan
	k      knobs
	prefix []byte // `data: {"id":…,"choices":[`
	suffix []byte // `]}` + "\n\n", with "usage":null when usage will follow
	buf    []byte
	events int // data events flushed so far
	timer  *time.Timer
}

func (s *Server) newStreamJob(p *genPlan, k *knobs) *streamJob {
	// Field by field, copying the slices' contents: the plan's slices point into the handler's stack and the
	// request body, which must not escape (escape analysis would move them to the heap for every request).
	j := &streamJob{s: s, k: *k, plan: genPlan{
		ep: p.ep, n: p.n, seed: p.seed, length: p.length, cut: p.cut,
		promptTokens: p.promptTokens, stream: p.stream, includeUsage: p.includeUsage, planted: p.planted,
		model: make([]byte, len(p.model)),
		first: p.first, prompts: p.prompts, more: make([]promptItem, len(p.more)),
	}}
	copy(j.plan.model, p.model)
	copy(j.plan.more, p.more)
	j.prefix = append(j.prefix, "data: "...)
	if p.ep == epChat {
		j.prefix = append(j.prefix, `{"id":"chatcmpl-`...)
		j.prefix = s.appendID(j.prefix)
		j.prefix = append(j.prefix, `","object":"chat.completion.chunk","created":`...)
	} else {
		j.prefix = append(j.prefix, `{"id":"cmpl-`...)
		j.prefix = s.appendID(j.prefix)
		j.prefix = append(j.prefix, `","object":"text_completion","created":`...)
	}
	j.prefix = appendInt(j.prefix, int(s.now().Unix()))
	j.prefix = append(j.prefix, `,"model":`...)
	j.prefix = jsonw.Bytes(j.prefix, j.plan.model)
	j.prefix = append(j.prefix, `,"system_fingerprint":"fp_mockllm","choices":[`...)
	if j.usageChunk() {
		j.suffix = []byte("],\"usage\":null}\n\n")
	} else {
		j.suffix = []byte("]}\n\n")
	}
	return j
}

func (j *streamJob) usageChunk() bool { return j.plan.includeUsage && !j.k.noUsage }

// run writes the whole stream to w, flushing after every event, and returns why it stopped early, if it did.
func (j *streamJob) run(w *bufio.Writer) error {
	j.timer = time.NewTimer(time.Hour)
	defer j.timer.Stop()
	if j.k.failAfter == 0 {
		return errAborted
	}
	if err := j.sleep(j.k.ttft); err != nil {
		return err
	}
	p := &j.plan
	choices := p.choices()
	gens := make([]wordGen, choices)
	for c := range gens {
		gens[c] = newWordGen(p.choiceSeed(c))
	}
	if p.ep == epChat {
		for c := 0; c < choices; c++ {
			j.buf = append(j.buf[:0], `{"index":`...)
			j.buf = appendInt(j.buf, c)
			j.buf = append(j.buf, `,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}`...)
			if err := j.emit(w); err != nil {
				return err
			}
		}
	}
	var interval time.Duration
	if j.k.tokensPerSec > 0 {
		interval = time.Duration(float64(time.Second) / j.k.tokensPerSec)
	}
	firstWord := time.Now()
	for i, n := 0, 0; i < p.length; i++ {
		for c := 0; c < choices; c++ {
			if interval > 0 && n > 0 {
				if err := j.sleep(time.Until(firstWord.Add(time.Duration(n) * interval))); err != nil {
					return err
				}
			}
			n++
			text := word(i, gens[c].next())
			if p.planted != nil {
				text = p.planted.word(i, text)
			}
			j.buf = j.appendWordChoice(j.buf[:0], c, text)
			if err := j.emit(w); err != nil {
				return err
			}
		}
	}
	for c := 0; c < choices; c++ {
		j.buf = j.appendFinishChoice(j.buf[:0], c)
		if err := j.emit(w); err != nil {
			return err
		}
	}
	if j.usageChunk() {
		j.buf = append(j.buf[:0], j.prefix...)
		j.buf = append(j.buf, ']')
		j.buf = p.appendUsage(j.buf)
		j.buf = append(j.buf, "}\n\n"...)
		if err := j.write(w, j.buf); err != nil {
			return err
		}
	}
	if j.k.failAfter >= 0 {
		return errAborted // never a clean end when the client asked for a broken stream
	}
	return j.write(w, []byte("data: [DONE]\n\n"))
}

func (j *streamJob) appendWordChoice(dst []byte, c int, w string) []byte {
	if j.plan.ep == epChat {
		dst = append(dst, `{"index":`...)
		dst = appendInt(dst, c)
		dst = append(dst, `,"delta":{"content":"`...)
		dst = append(dst, w...)
		return append(dst, `"},"logprobs":null,"finish_reason":null}`...)
	}
	dst = append(dst, `{"text":"`...)
	dst = append(dst, w...)
	dst = append(dst, `","index":`...)
	dst = appendInt(dst, c)
	return append(dst, `,"logprobs":null,"finish_reason":null}`...)
}

func (j *streamJob) appendFinishChoice(dst []byte, c int) []byte {
	if j.plan.ep == epChat {
		dst = append(dst, `{"index":`...)
		dst = appendInt(dst, c)
		dst = append(dst, `,"delta":{},"logprobs":null,"finish_reason":"`...)
	} else {
		dst = append(dst, `{"text":"","index":`...)
		dst = appendInt(dst, c)
		dst = append(dst, `,"logprobs":null,"finish_reason":"`...)
	}
	dst = append(dst, j.plan.finishReason()...)
	return append(dst, `"}`...)
}

// emit sends one chunk whose choice JSON is in j.buf, then applies the fail-after and gate knobs.
func (j *streamJob) emit(w *bufio.Writer) error {
	w.Write(j.prefix) // errors surface at Flush
	w.Write(j.buf)
	if err := j.write(w, j.suffix); err != nil {
		return err
	}
	j.events++
	if j.k.failAfter >= 0 && j.events >= j.k.failAfter {
		return errAborted
	}
	if j.events == 1 && j.k.gate != nil {
		return j.waitGate(w)
	}
	return nil
}

// write sends b and flushes it: every event reaches the client at once. A failed flush means the client left.
func (j *streamJob) write(w *bufio.Writer, b []byte) error {
	w.Write(b)
	return w.Flush()
}

// sleep waits d unless the server closes first.
func (j *streamJob) sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	j.timer.Reset(d)
	select {
	case <-j.timer.C:
		return nil
	case <-j.s.closing:
		return errClosed
	}
}

// waitGate holds the stream until the gate opens, the client goes away (seen by a periodic SSE comment), the
// server closes or the gate times out; a timeout lets the stream go on and is counted.
func (j *streamJob) waitGate(w *bufio.Writer) error {
	g := j.k.gate
	g.markReached()
	deadline := time.Now().Add(j.s.gateTimeout)
	for {
		j.timer.Reset(min(gatePing, time.Until(deadline)))
		select {
		case <-g.open:
			return nil
		case <-j.s.closing:
			return errClosed
		case <-j.timer.C:
			if !time.Now().Before(deadline) {
				j.s.gateTimedOut(g)
				return nil
			}
			if err := j.write(w, []byte(": mockllm waiting at gate\n\n")); err != nil {
				return err
			}
		}
	}
}
