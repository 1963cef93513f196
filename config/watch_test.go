package config

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestWatcherReloadsValidAndKeepsOldOnInvalid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tollgate.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("listen: 127.0.0.1:1\n")
	var applied atomic.Pointer[Config]
	var calls atomic.Int32
	w := NewWatcher(path, 10*time.Millisecond, func(c *Config) error {
		calls.Add(1)
		applied.Store(c)
		return nil
	}, nil)
	defer w.Close()

	wait := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; i < 300; i++ {
			if cond() {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	write("listen: 127.0.0.1:2\n")
	wait("the change to apply", func() bool { c := applied.Load(); return c != nil && c.Listen == "127.0.0.1:2" })

	before := reloadsError.Get()
	write("listen: [broken\n")
	wait("the broken file to be rejected", func() bool { return reloadsError.Get() > before })
	if applied.Load().Listen != "127.0.0.1:2" || calls.Load() != 1 {
		t.Fatalf("a broken file was applied: %+v calls %d", applied.Load(), calls.Load())
	}

	// SIGHUP path: Trigger applies even when the content did not change.
	write("listen: 127.0.0.1:3\n")
	wait("the fix to apply", func() bool { return applied.Load().Listen == "127.0.0.1:3" })
	n := calls.Load()
	w.Trigger()
	wait("the forced reload", func() bool { return calls.Load() == n+1 })
}
