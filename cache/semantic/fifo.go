package semantic

// fifo is an insertion-order queue with lazy deletion: entries of removed or replaced vectors stay until they reach
// the head (where the caller skips them) or until compact drops them, so Remove never searches the queue.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) len() int { return len(q.items) - q.head }

// pop removes and returns the oldest entry; ok is false when the queue is empty.
func (q *fifo[T]) pop() (v T, ok bool) {
	if q.head == len(q.items) {
		return v, false
	}
	v = q.items[q.head]
	var zero T
	q.items[q.head] = zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return v, true
}

// compact keeps only the entries live reports true for, in order, once stale ones outnumber live ones: the queue
// then holds at most about twice the live count.
func (q *fifo[T]) compact(liveCount int, live func(T) bool) {
	if q.len() <= 2*liveCount+64 {
		return
	}
	kept := make([]T, 0, liveCount+liveCount/2)
	for _, v := range q.items[q.head:] {
		if live(v) {
			kept = append(kept, v)
		}
	}
	q.items, q.head = kept, 0
}
