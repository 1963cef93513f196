package health

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Recording, evaluating, reloading, scraping and snapshotting at once: run with -race.
func TestConcurrentRecordEvaluateReloadScrape(t *testing.T) {
	clk := newFakeClock()
	r := newTestRegistry(t, testOptions(), clk)
	const writers, perWriter = 4, 2000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				m := r.Model("mock-gpt")
				rec := okRecord(time.Duration(i%500) * time.Millisecond)
				rec.Model, rec.Deployment = m, m.Deployment("primary")
				r.Record(&rec)
			}
		}()
	}
	done := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			r.evaluate()
			_ = r.Snapshot()
			var buf bytes.Buffer
			writeAllMetrics(&buf)
			opts := testOptions()
			opts.Models = append(opts.Models, ModelSpec{Name: fmt.Sprintf("extra-%d", i%3)})
			if err := r.Reload(opts); err != nil {
				t.Error(err)
				return
			}
			clk.advance(time.Second)
		}
	}()
	wg.Wait()
	close(done)
	bg.Wait()
	got := scrape(t, r)[`tollgate_requests_total{model="mock-gpt",deployment="primary",status="2xx"}`]
	if got != writers*perWriter {
		t.Fatalf("requests_total = %v, want %d: records lost under concurrent reloads", got, writers*perWriter)
	}
}
