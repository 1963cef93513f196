package config

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

var (
	reloadsOK    = metrics.NewCounter(`tollgate_config_reloads_total{result="ok"}`)
	reloadsError = metrics.NewCounter(`tollgate_config_reloads_total{result="error"}`)
)

// settleDelay is how long a changed file must stay unchanged before it is
// applied.
const settleDelay = 50 * time.Millisecond

var errEmptyFile = errors.New("config file is empty (a partial write?)")

// Watcher reloads a config file when its content changes (polled, which also
// sees Kubernetes ConfigMap symlink swaps that inotify misses) or when
// Trigger is called (SIGHUP). A file that fails to load or apply is logged
// and counted; the running config keeps serving.
type Watcher struct {
	path     string
	interval time.Duration
	apply    func(*Config) error
	log      *slog.Logger

	mu      sync.Mutex // serialises reloads
	lastSum [32]byte
	stop    chan struct{}
	done    chan struct{}
	kick    chan struct{}
}

// NewWatcher starts watching path. current is the config already serving.
func NewWatcher(path string, interval time.Duration, apply func(*Config) error, log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.Default()
	}
	if interval <= 0 {
		interval = time.Second
	}
	w := &Watcher{path: path, interval: interval, apply: apply, log: log,
		stop: make(chan struct{}), done: make(chan struct{}), kick: make(chan struct{}, 1)}
	if data, err := os.ReadFile(path); err == nil {
		w.lastSum = sha256.Sum256(data)
	}
	go w.loop()
	return w
}

// Trigger asks for a reload now, even if the file did not change.
func (w *Watcher) Trigger() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Close stops the watcher.
func (w *Watcher) Close() {
	close(w.stop)
	<-w.done
}

func (w *Watcher) loop() {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.reload(false)
		case <-w.kick:
			w.reload(true)
		}
	}
}

// Reload loads and applies the file now; force applies it even if unchanged.
func (w *Watcher) reload(force bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	data, err := os.ReadFile(w.path)
	if err != nil {
		if force {
			reloadsError.Inc()
			w.log.Error("config reload failed; keeping the running config", "path", w.path, "err", err)
		}
		return
	}
	sum := sha256.Sum256(data)
	if !force && bytes.Equal(sum[:], w.lastSum[:]) {
		return
	}
	// A file caught mid-write (truncated, then filled) must not be applied:
	// wait for the content to settle, and treat an empty file as partial.
	time.Sleep(settleDelay)
	if again, err2 := os.ReadFile(w.path); err2 != nil || sha256.Sum256(again) != sum {
		return // still changing: the next poll sees the final content
	}
	w.lastSum = sum
	var cfg *Config
	if len(bytes.TrimSpace(data)) == 0 {
		err = errEmptyFile
	} else {
		cfg, err = Parse(data, w.path)
	}
	if err == nil {
		err = w.apply(cfg)
	}
	if err != nil {
		reloadsError.Inc()
		w.log.Error("config reload rejected; keeping the running config", "path", w.path, "err", err)
		return
	}
	reloadsOK.Inc()
	w.log.Info("config reloaded", "path", w.path)
}
