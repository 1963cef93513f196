package policy

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReloadUnderLoad runs concurrent Decide calls while the policy is
// reloaded repeatedly, alternating good revisions with broken ones. Every
// decision must succeed and come from a revision that was actually served,
// with that revision's own result (max_tokens is unique per revision).
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	capPolicy(t, dir, "1000")
	// A generous timeout: this test is about reloads, and -race on a loaded
	// 2-core machine can stall one evaluation past the 50ms default.
	e := openTB(t, Options{Dir: dir, Timeout: time.Minute})

	var mu sync.Mutex
	valid := map[string]int{e.Status().Revision: 1000} // revision → its max_tokens
	const workers, reloads = 4, 40
	var decisions, failures, foreign atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	type seen struct {
		rev    string
		tokens int
	}
	results := make([][]seen, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := typicalInput()
			for {
				select {
				case <-stop:
					return
				default:
				}
				d := e.Decide(context.Background(), in)
				decisions.Add(1)
				if d.Err != nil || !d.Allow {
					if failures.Add(1) == 1 {
						t.Logf("first failure: %+v", d)
					}
				}
				results[w] = append(results[w], seen{d.Revision, d.MaxTokens})
			}
		}()
	}
	var okReloads, badReloads int
	for i := range reloads {
		if i%2 == 1 {
			writeFile(t, filepath.Join(dir, "broken.rego"), "package tollgate\n\nx := \n")
			if e.Reload() == nil {
				t.Fatal("broken policy accepted")
			}
			badReloads++
			os.Remove(filepath.Join(dir, "broken.rego"))
			continue
		}
		tokens := 1001 + i
		capPolicy(t, dir, itoa(tokens))
		if err := e.Reload(); err != nil {
			t.Fatal(err)
		}
		okReloads++
		mu.Lock()
		valid[e.Status().Revision] = tokens
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
	for _, rs := range results {
		for _, r := range rs {
			if want, ok := valid[r.rev]; !ok || want != r.tokens {
				foreign.Add(1)
			}
		}
	}
	t.Logf("%d decisions during %d good and %d rejected reloads: %d failures, %d from an unknown revision",
		decisions.Load(), okReloads, badReloads, failures.Load(), foreign.Load())
	if decisions.Load() == 0 || failures.Load() != 0 || foreign.Load() != 0 {
		t.Fatalf("failures %d, foreign %d of %d decisions", failures.Load(), foreign.Load(), decisions.Load())
	}
}

func itoa(i int) string {
	b := []byte{}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
