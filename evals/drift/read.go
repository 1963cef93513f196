package drift

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/tollgate-ai/tollgate/evals"
)

// record is one line of a sample file: a Sample and, when the line
// carries one, the feedback score joined to it.
type record struct {
	evals.Sample
	FeedbackScore *float64 `json:"feedback_score,omitempty"`
	// A feedback record of a sink ("type":"feedback", evals.Feedback)
	// shares time, request_id and tenant with the sample shape.
	Type  string   `json:"type,omitempty"`
	Score *float64 `json:"score,omitempty"`
}

// errNoValidLine is returned for a file without one valid sample.
var errNoValidLine = errors.New("no valid sample line")

// maxLineBytes bounds one sample line; longer lines count as malformed.
const maxLineBytes = 16 << 20

// readSampleFile reads a JSONL sample file. Blank lines are ignored; lines
// that are not a JSON object of the Sample shape are skipped and counted.
// (evals.ReadSamples reads sinks in the gateway; this reader stays small
// for the drift command.)
func readSampleFile(path string) ([]record, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return readSamples(f)
}

func readSamples(r io.Reader) ([]record, int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []record
	bad := 0
	fb := evals.FeedbackIndex{}
	for {
		line, tooLong, err := readLine(br)
		if len(bytes.TrimSpace(line)) > 0 || tooLong {
			var rec record
			switch {
			case tooLong || !isObject(line) || json.Unmarshal(line, &rec) != nil:
				bad++
			case rec.Type == evals.FeedbackType && rec.Score != nil && rec.RequestID != "":
				fb.Add(&evals.Feedback{Time: rec.Time, Tenant: rec.Tenant, RequestID: rec.RequestID, Score: *rec.Score})
			case rec.Type != "":
				bad++ // a record kind this reader does not know, or a feedback record without its score
			default:
				out = append(out, rec)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, bad, err
		}
	}
	if len(out) == 0 {
		return nil, bad, errNoValidLine
	}
	joinFeedback(out, fb)
	return out, bad, nil
}

// joinFeedback gives each sample without a feedback_score of its own the
// latest feedback record on it, joined by (tenant, request id): a sink's
// file carries feedback as records of their own.
func joinFeedback(recs []record, fb evals.FeedbackIndex) {
	if len(fb) == 0 {
		return
	}
	for i := range recs {
		if recs[i].FeedbackScore != nil {
			continue
		}
		if f := fb.For(&recs[i].Sample); f != nil {
			score := f.Score
			recs[i].FeedbackScore = &score
		}
	}
}

// readLine returns the next line without its newline; a line longer than
// maxLineBytes is drained and reported tooLong.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLineBytes {
			tooLong = true
		} else {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimRight(buf, "\r\n"), tooLong, err
	}
}

func isObject(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 1 && t[0] == '{'
}

// vectors extracts the features of every record.
func vectors(e *Extractor, recs []record) []Vector {
	out := make([]Vector, len(recs))
	for i := range recs {
		out[i] = e.Extract(&recs[i].Sample)
		if f := recs[i].FeedbackScore; f != nil {
			out[i].SetFeedback(*f)
		}
	}
	return out
}
