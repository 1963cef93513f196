package evals

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

const mixedLines = `{"prompt":"only a prompt"}
{"response":"only a response"}

not json
["an","array"]
{"prompt":5}
{"model":"m","status":200}
{"type":"feedback","request_id":"r1","tenant":"a","score":1}
{"type":"feedback","tenant":"a","score":1}
{"type":"mystery","prompt":"x"}
{"time":"2026-01-02T03:04:05Z","request_id":"r1","model":"m","tenant":"a","prompt":"p","response":"r","prompt_tokens":3}
{"prompt":"truncated line`

func TestReadSamplesSkipsAndCountsMalformed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	if err := os.WriteFile(path, []byte(mixedLines), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []*Sample
	st, err := ReadSamples(path, func(s *Sample) error { got = append(got, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := ReadStats{Lines: 11, Valid: 3, Feedback: 1, Malformed: 7}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if got[0].Prompt != "only a prompt" || got[1].Response != "only a response" || got[2].PromptTokens != 3 || got[2].Tenant != "a" {
		t.Fatalf("samples %+v %+v %+v", got[0], got[1], got[2])
	}
	stop := errors.New("stop")
	if _, err := ReadSamples(path, func(*Sample) error { return stop }); err != stop {
		t.Fatalf("callback error not returned: %v", err)
	}
	if _, err := ReadSamples(filepath.Join(t.TempDir(), "missing"), nil); err == nil {
		t.Fatal("a missing file must be an error")
	}
}

func TestReadSamplesLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	long := `{"prompt":"` + strings.Repeat("a", 200<<10) + `"}` + "\n" + `{"prompt":"b"}` + "\n"
	os.WriteFile(path, []byte(long), 0o600)
	var n []int
	st, err := ReadSamples(path, func(s *Sample) error { n = append(n, len(s.Prompt)); return nil })
	if err != nil || st.Valid != 2 || n[0] != 200<<10 || n[1] != 1 {
		t.Fatalf("stats %+v, lengths %v, err %v", st, n, err)
	}
}

func TestFeedbackJoin(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	samples := []*Sample{
		{RequestID: "r1", Tenant: "a", Model: "m1"},
		{RequestID: "r1", Tenant: "b", Model: "m1"}, // same id, another tenant
		{RequestID: "r2", Tenant: "a", Model: "m2"},
		{RequestID: "r3", Tenant: "a", Model: "m2"},
	}
	ix := FeedbackIndex{}
	ix.Add(&Feedback{RequestID: "r1", Tenant: "a", Score: 1, Time: t0})
	ix.Add(&Feedback{RequestID: "r1", Tenant: "a", Score: -1, Time: t0.Add(time.Second)}) // a later change of mind wins
	ix.Add(&Feedback{RequestID: "r2", Tenant: "a", Score: 0.5, Time: t0})
	ix.Add(&Feedback{RequestID: "r3", Tenant: "z", Score: 1, Time: t0}) // tenant z cannot rate tenant a's request
	got := JoinFeedback(samples, ix)
	if m := got["m1"]; m.Samples != 2 || m.Feedback != 1 || m.Rate != 0.5 || m.MeanScore != -1 || m.Negative != 1 {
		t.Fatalf("m1 %+v", m)
	}
	if m := got["m2"]; m.Samples != 2 || m.Feedback != 1 || m.MeanScore != 0.5 || m.Positive != 1 {
		t.Fatalf("m2 %+v", m)
	}
}

func TestRedisSinkAndReader(t *testing.T) {
	addr := testredis.Start(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}})
	defer rdb.Close()
	w := NewWriter(WriterOptions{Sink: NewRedisSink(rdb, "tg:samples", 50)})
	for i := range 300 {
		for !w.enqueue(record{s: &Sample{RequestID: itoa(int64(i)), Tenant: "a", Model: "m", Prompt: "p", Response: "r"}}) {
			time.Sleep(time.Millisecond)
		}
	}
	w.enqueue(record{f: &Feedback{Type: FeedbackType, RequestID: "299", Tenant: "a", Score: 1}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := rdb.XLen(t.Context(), "tg:samples").Result()
	if err != nil || n < 51 || n > 300 {
		t.Fatalf("stream length %d (err %v): MAXLEN ~50 must trim (approximately) below the 301 written", n, err)
	}
	rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: "tg:samples", Values: []any{"other", "x"}})
	rates, st, err := FeedbackRates("redis://" + addr + "/0?stream=tg:samples")
	if err != nil {
		t.Fatal(err)
	}
	if st.Valid != int(n)-1 || st.Feedback != 1 || st.Malformed != 1 {
		t.Fatalf("stats %+v for a stream of %d (+1 foreign entry)", st, n)
	}
	if m := rates["m"]; m.Feedback != 1 || m.Samples != st.Valid {
		t.Fatalf("rates %+v", rates)
	}
	if _, err := ReadSamples("redis://"+addr+"/0?stream=absent", nil); err != nil {
		t.Fatalf("an absent stream reads as empty: %v", err)
	}
}

// TestShardedRedisSink: a sharded sink spreads its batches over stream:{s00}…, each in its own slot, and
// the reader merges them back in entry-id (millisecond) order, every sample once.
func TestShardedRedisSink(t *testing.T) {
	addr := testredis.Start(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}})
	defer rdb.Close()
	const shards, n = 4, 200
	sink := NewShardedRedisSink(rdb, "tg:samples", 100000, shards)
	for i := range n {
		line, _ := json.Marshal(&Sample{RequestID: itoa(int64(i)), Tenant: "a", Model: "m", Prompt: "p", Response: "r"})
		if err := sink.Write([][]byte{line}); err != nil {
			t.Fatal(err)
		}
	}
	streams := ShardStreams("tg:samples", shards)
	for _, s := range streams {
		if got, err := rdb.XLen(t.Context(), s).Result(); err != nil || got != n/shards {
			t.Fatalf("%s holds %d (err %v), want %d", s, got, err, n/shards)
		}
	}
	var ids []string
	st, err := ReadSamples("redis://"+addr+"/0?stream=tg:samples&shards=4", func(s *Sample) error {
		ids = append(ids, s.RequestID)
		return nil
	})
	if err != nil || st.Valid != n {
		t.Fatalf("read %d valid (err %v), want %d", st.Valid, err, n)
	}
	seen, last := map[string]bool{}, map[int]int{} // per shard, the last sample read (batch i went to shard i%shards)
	for _, id := range ids {
		i, _ := strconv.Atoi(id)
		if seen[id] {
			t.Fatalf("sample %s read twice", id)
		}
		seen[id] = true
		if prev, ok := last[i%shards]; ok && prev > i {
			t.Fatalf("shard %d: sample %d after %d", i%shards, i, prev)
		}
		last[i%shards] = i
	}
}
