package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Helpers of the abuse, stream-memory, overload and soak scenarios
// (load-abuse): clients that hold streams open and read them slowly, and
// the open-file limit they need.

// raiseFileLimit lifts this process's soft open-file limit to its hard
// limit (children inherit it: the gateway and mock hold a socket per
// stream too) and returns the limit now in force.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
	}
	return l.Cur, nil
}

// SlowStreams are N streaming chats held open by clients that read a few
// hundred bytes at a time with pauses between reads: what long LLM
// streams to slow or distant clients look like to a gateway.
type SlowStreams struct {
	Addr      string        // the gateway, host:port
	Body      []byte        // a streaming chat request
	Key       string        // Authorization: Bearer; "" = none
	ReadEvery time.Duration // pause between reads (default 500 ms)
	ReadBytes int           // bytes per read (default 512)
	Header    string        // extra raw header lines, each ending in \r\n

	wg       sync.WaitGroup
	cancel   context.CancelFunc
	ctx      context.Context
	open     atomic.Int64 // streams that delivered their first event and are still open
	events   atomic.Int64 // "data:" lines the clients read
	failed   atomic.Int64 // streams that could not open, got a non-200 or ended early
	firstErr atomic.Pointer[string]
}

// Start opens n more streams, at most rate per second (0 = at once), and
// returns once each has delivered its first event or failed, or ctx ends.
func (s *SlowStreams) Start(ctx context.Context, n, rate int) {
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
	}
	if s.ReadEvery <= 0 {
		s.ReadEvery = 500 * time.Millisecond
	}
	if s.ReadBytes <= 0 {
		s.ReadBytes = 512
	}
	var ready sync.WaitGroup
	start := time.Now()
	for i := range n {
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return
				}
			}
		}
		ready.Add(1)
		s.wg.Add(1)
		go s.hold(&ready)
	}
	done := make(chan struct{})
	go func() { ready.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Events is the number of SSE data lines the clients read so far.
func (s *SlowStreams) Events() int64 { return s.events.Load() }

// Open is the number of streams open now; Failed those that failed.
func (s *SlowStreams) Open() int64   { return s.open.Load() }
func (s *SlowStreams) Failed() int64 { return s.failed.Load() }

// FirstError describes the first failure ("" when none).
func (s *SlowStreams) FirstError() string {
	if p := s.firstErr.Load(); p != nil {
		return *p
	}
	return ""
}

// Close ends every stream (the clients hang up) and waits for them.
func (s *SlowStreams) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

func (s *SlowStreams) fail(err error) {
	s.failed.Add(1)
	msg := err.Error()
	s.firstErr.CompareAndSwap(nil, &msg)
}

var (
	dataPrefix = []byte("\ndata:")
	dataWord   = []byte("data:")
)

func (s *SlowStreams) hold(ready *sync.WaitGroup) {
	defer s.wg.Done()
	readyOnce := sync.OnceFunc(ready.Done)
	defer readyOnce()
	c, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		s.fail(err)
		return
	}
	defer c.Close()
	stop := context.AfterFunc(s.ctx, func() { _ = c.Close() })
	defer stop()
	req := make([]byte, 0, 256+len(s.Body))
	req = append(req, "POST /v1/chat/completions HTTP/1.1\r\nHost: tollgate\r\nContent-Type: application/json\r\n"...)
	if s.Key != "" {
		req = append(req, "Authorization: Bearer "+s.Key+"\r\n"...)
	}
	req = append(req, s.Header...)
	req = append(req, "Content-Length: "+strconv.Itoa(len(s.Body))+"\r\n\r\n"...)
	req = append(req, s.Body...)
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		s.fail(err)
		return
	}
	// Read until the status line and the first event arrived.
	buf := make([]byte, s.ReadBytes)
	var head []byte
	for !bytes.Contains(head, dataPrefix) {
		n, err := c.Read(buf)
		head = append(head, buf[:n]...)
		if err != nil {
			s.fail(fmt.Errorf("before the first event: %w (got %q)", err, truncateBytes(head, 200)))
			return
		}
		if len(head) > 64<<10 {
			s.fail(errors.New("no event in the first 64 KiB"))
			return
		}
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 200")) {
		s.fail(fmt.Errorf("answer %q", truncateBytes(head, 200)))
		return
	}
	s.open.Add(1)
	defer s.open.Add(-1)
	readyOnce()
	_ = c.SetDeadline(time.Time{})
	s.events.Add(int64(bytes.Count(head, dataWord)))
	win := make([]byte, 0, len(buf)+len(dataWord))
	var tail []byte
	pause := time.NewTimer(s.ReadEvery)
	defer pause.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-pause.C:
			pause.Reset(s.ReadEvery)
		}
		_ = c.SetReadDeadline(time.Now().Add(s.ReadEvery + 30*time.Second))
		n, err := c.Read(buf)
		if err != nil {
			if s.ctx.Err() == nil {
				s.fail(fmt.Errorf("stream ended early: %w", err))
			}
			return
		}
		// A "data:" split across two reads is found in the carried tail.
		win = append(win[:copy(win[:cap(win)], tail)], buf[:n]...)
		s.events.Add(int64(bytes.Count(win, dataWord)))
		tail = append(tail[:0], win[max(0, len(win)-len(dataWord)+1):]...)
		if bytes.Contains(buf[:n], []byte(`"error"`)) {
			s.fail(fmt.Errorf("error event: %q", truncateBytes(buf[:n], 200)))
			return
		}
	}
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// httpGet GETs url and returns the body of a 200 answer.
func httpGet(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, nil
}
