package cache

import (
	"errors"
	"sync"
	"time"
)

// flights coalesce identical misses: the first becomes the leader and goes
// upstream; the others follow it. A stream's followers get the leader's
// events from the first one on, as they come; a buffered follower waits
// for the whole answer. Followers never wait longer than the coalesce
// timeout for the leader's next step, and a failed leader fails them.
type flights struct {
	mu sync.Mutex
	m  map[Key]*flight
}

// flight is one leader's upstream call as its followers see it.
type flight struct {
	key Key

	mu sync.Mutex
	// The leader's stream events so far, copied into one buffer: event i is
	// buf[ends[i-1]:ends[i]]. A reader keeps the slices it was given: an
	// append that grows buf leaves the old array, unchanged, to them.
	buf   []byte
	ends  []int
	wake  chan struct{} // closed (and replaced) on every change
	done  bool
	entry *Entry  // the answer, when the leader succeeded
	fail  *failed // why it did not, when it failed
}

// failed is a leader's failure as followers report it: a buffered leader's
// own error status and body, or a generic 502.
type failed struct {
	status int
	body   []byte
}

var errLeaderFailed = errors.New("the request this one was coalesced with failed")

func newFlights() *flights { return &flights{m: map[Key]*flight{}} }

// join returns k's flight and whether the caller leads it.
func (fs *flights) join(k Key) (*flight, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f := fs.m[k]; f != nil {
		return f, false
	}
	f := &flight{key: k, wake: make(chan struct{})}
	fs.m[k] = f
	return f, true
}

// end publishes the leader's outcome and retires the flight: later
// identical requests look the cache up again.
func (fs *flights) end(f *flight, e *Entry, fail *failed) {
	fs.mu.Lock()
	if fs.m[f.key] == f {
		delete(fs.m, f.key)
	}
	fs.mu.Unlock()
	f.mu.Lock()
	if !f.done {
		f.done, f.entry, f.fail = true, e, fail
		if e == nil && fail == nil {
			f.fail = &failed{status: 502}
		}
		close(f.wake)
		f.wake = make(chan struct{})
	}
	f.mu.Unlock()
}

// event hands one of the leader's stream events to the followers.
func (f *flight) event(ev []byte) {
	f.mu.Lock()
	if !f.done {
		f.buf = append(f.buf, ev...)
		f.ends = append(f.ends, len(f.buf))
		close(f.wake)
		f.wake = make(chan struct{})
	}
	f.mu.Unlock()
}

// recorded is a snapshot of the leader's events.
type recorded struct {
	buf  []byte
	ends []int
}

func (r recorded) n() int { return len(r.ends) }

func (r recorded) at(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

// wait blocks until the flight has more than have events or is done, the
// timeout passes (false) or stop closes (false).
func (f *flight) wait(have int, timeout time.Duration, stop <-chan struct{}) (events recorded, done bool, ok bool) {
	var timer *time.Timer
	for {
		f.mu.Lock()
		if len(f.ends) > have || f.done {
			events, done = recorded{f.buf, f.ends}, f.done
			f.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return events, done, true
		}
		wake := f.wake
		f.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(timeout)
		}
		select {
		case <-wake:
		case <-timer.C:
			return recorded{}, false, false
		case <-stop:
			timer.Stop()
			return recorded{}, false, false
		}
	}
}

// follower is a stream follower's EventSource: the leader's events as
// they come, then (the leader done) its own usage chunk when asked and
// [DONE]; when the leader was buffered, the whole answer replayed. A
// leader that fails ends it with an error (the client gets an error event).
type follower struct {
	f            *flight
	next         int
	includeUsage bool
	timeout      time.Duration
	stop         chan struct{}
	closeOnce    sync.Once
	tail         *events // after the leader's events: usage and [DONE], or the replay
}

func (w *follower) Next() ([]byte, error) {
	if w.tail != nil {
		return w.tail.Next()
	}
	evs, done, ok := w.f.wait(w.next, w.timeout, w.stop)
	if !ok {
		return nil, errLeaderFailed
	}
	if w.next < evs.n() {
		w.next++
		return evs.at(w.next - 1), nil
	}
	if !done {
		return nil, errLeaderFailed
	}
	w.f.mu.Lock()
	e, fail := w.f.entry, w.f.fail
	w.f.mu.Unlock()
	if fail != nil || e == nil {
		return nil, errLeaderFailed
	}
	if w.next == 0 { // a buffered leader: replay its answer
		r, ok := replayChat(e, w.includeUsage)
		if !ok {
			return nil, errLeaderFailed
		}
		w.tail = r
	} else {
		w.tail = &events{}
		if w.includeUsage {
			w.tail.data(usageChunk(nil, chunkHead(e), e.Usage))
		}
		w.tail.add(doneEvent)
	}
	return w.tail.Next()
}

func (w *follower) Close() { w.closeOnce.Do(func() { close(w.stop) }) }
