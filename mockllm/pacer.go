package mockllm

import "time"

// pacer spaces a stream's events on one reused timer and gives up when
// the server closes.
type pacer struct {
	timer   *time.Timer
	closing <-chan struct{}
}

func (s *Server) newPacer() *pacer {
	return &pacer{timer: time.NewTimer(time.Hour), closing: s.closing}
}

// sleep waits d (nothing for d <= 0) unless the server closes first.
func (p *pacer) sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	p.timer.Reset(d)
	select {
	case <-p.timer.C:
		return nil
	case <-p.closing:
		return errClosed
	}
}

func (p *pacer) stop() { p.timer.Stop() }
