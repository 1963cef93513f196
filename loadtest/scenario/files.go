package scenario

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o644) }

// command is exec.CommandContext for the runner's helpers (wrk, k6, go
// build…): the kernel kills them too if the runner dies.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}
