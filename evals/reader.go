package evals

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReadStats counts what a read saw. Lines counts non-blank lines (stream
// entries for Redis); Valid the samples handed on; Feedback the feedback
// records; Malformed the lines skipped: not JSON, not an object, a field
// of the wrong type, a sample with neither prompt nor response, or a line
// longer than MaxLineBytes.
type ReadStats struct {
	Lines     int `json:"lines"`
	Valid     int `json:"valid"`
	Feedback  int `json:"feedback"`
	Malformed int `json:"malformed"`
}

// MaxLineBytes bounds one record a reader accepts.
const MaxLineBytes = 8 << 20

// ReadSamples reads the samples of src and calls fn for each, in order;
// feedback records are counted and skipped. src is a JSONL file, a
// directory of them (a file sink's rotated files, oldest first), or
// redis://[user:pass@]host:port/db?stream=tg:samples. Lines from
// elsewhere carrying only "prompt" and/or "response" are valid samples.
// An error from fn stops the read and is returned.
func ReadSamples(src string, fn func(*Sample) error) (ReadStats, error) {
	return ReadRecords(src, fn, nil)
}

// ReadRecords reads samples and feedback records; a nil callback skips
// its kind (still counted).
func ReadRecords(src string, onSample func(*Sample) error, onFeedback func(*Feedback) error) (ReadStats, error) {
	var st ReadStats
	each := func(line []byte) error { return decodeRecord(line, &st, onSample, onFeedback) }
	if strings.HasPrefix(src, "redis://") || strings.HasPrefix(src, "rediss://") {
		return st, readRedis(src, each)
	}
	files, err := sampleFiles(src)
	if err != nil {
		return st, err
	}
	for _, f := range files {
		if err := readFile(f, &st, each); err != nil {
			return st, err
		}
	}
	return st, nil
}

// recordHead is what tells a record's kind and validity.
type recordHead struct {
	Type     string          `json:"type"`
	Prompt   json.RawMessage `json:"prompt"`
	Response json.RawMessage `json:"response"`
}

func decodeRecord(line []byte, st *ReadStats, onSample func(*Sample) error, onFeedback func(*Feedback) error) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	st.Lines++
	var h recordHead
	if len(line) > MaxLineBytes || line[0] != '{' || json.Unmarshal(line, &h) != nil {
		st.Malformed++
		return nil
	}
	switch h.Type {
	case FeedbackType:
		var f Feedback
		if json.Unmarshal(line, &f) != nil || f.RequestID == "" {
			st.Malformed++
			return nil
		}
		st.Feedback++
		if onFeedback != nil {
			return onFeedback(&f)
		}
		return nil
	case "", "sample":
	default:
		st.Malformed++
		return nil
	}
	if h.Prompt == nil && h.Response == nil {
		st.Malformed++
		return nil
	}
	s := new(Sample)
	if json.Unmarshal(line, s) != nil {
		st.Malformed++
		return nil
	}
	st.Valid++
	if onSample != nil {
		return onSample(s)
	}
	return nil
}

// sampleFiles lists src, or the JSONL files of the directory src oldest
// first (rotated backups name-<time>.jsonl, then the live file).
func sampleFiles(src string) ([]string, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{src}, nil
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return nil, err
	}
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, e := range ents {
		if e.IsDir() || !strings.Contains(e.Name(), ".jsonl") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		files = append(files, file{filepath.Join(src, e.Name()), info.ModTime()})
	}
	sort.SliceStable(files, func(i, j int) bool {
		if !files[i].mod.Equal(files[j].mod) {
			return files[i].mod.Before(files[j].mod)
		}
		return files[i].path < files[j].path
	})
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, nil
}

func readFile(path string, st *ReadStats, each func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var long []byte
	for {
		chunk, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if len(long) <= MaxLineBytes {
				long = append(long, chunk...)
			}
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return fmt.Errorf("%s: %w", path, err)
		}
		line := chunk
		if long != nil {
			line, long = append(long, chunk...), nil
		}
		if e := each(line); e != nil {
			return e
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}

// readRedis reads a stream from its start in pages: field "r" of each
// entry is a record. With ?shards=N it reads the N streams of a sharded sink
// (ShardStreams), merged in entry-id (time) order.
func readRedis(src string, each func([]byte) error) error {
	u, err := url.Parse(src)
	if err != nil {
		return fmt.Errorf("evals: bad redis source: %w", err)
	}
	q := u.Query()
	stream := q.Get("stream")
	if stream == "" {
		stream = "tg:samples"
	}
	shards := 1
	if v := q.Get("shards"); v != "" {
		if shards, err = strconv.Atoi(v); err != nil || shards < 1 {
			return fmt.Errorf("evals: bad redis source: shards=%q", v)
		}
	}
	q.Del("stream")
	q.Del("shards")
	u.RawQuery = q.Encode()
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		return fmt.Errorf("evals: bad redis source: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	names := ShardStreams(stream, shards)
	pages := make([]*streamPage, len(names))
	for i, n := range names {
		pages[i] = &streamPage{rdb: rdb, stream: n, start: "-"}
	}
	for {
		var first *streamPage
		for _, p := range pages {
			if err := p.fill(); err != nil {
				return err
			}
			if len(p.msgs) > 0 && (first == nil || idBefore(p.msgs[0].ID, first.msgs[0].ID)) {
				first = p
			}
		}
		if first == nil {
			return nil
		}
		m := first.msgs[0]
		first.msgs = first.msgs[1:]
		v, ok := m.Values["r"].(string)
		if !ok {
			v = "-" // an entry this sink did not write: malformed
		}
		if err := each([]byte(v)); err != nil {
			return err
		}
	}
}

// streamPage reads one stream 1000 entries at a time.
type streamPage struct {
	rdb    *redis.Client
	stream string
	start  string
	msgs   []redis.XMessage
	done   bool
}

func (p *streamPage) fill() error {
	if len(p.msgs) > 0 || p.done {
		return nil
	}
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	msgs, err := p.rdb.XRangeN(c, p.stream, p.start, "+", 1000).Result()
	cancel()
	if err != nil {
		return fmt.Errorf("evals: reading stream %s: %w", p.stream, err)
	}
	p.msgs, p.done = msgs, len(msgs) < 1000
	if len(msgs) > 0 {
		p.start = "(" + msgs[len(msgs)-1].ID
	}
	return nil
}

// idBefore compares stream entry ids ("ms-seq").
func idBefore(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	if len(am) != len(bm) {
		return len(am) < len(bm)
	}
	if am != bm {
		return am < bm
	}
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	return as < bs
}
