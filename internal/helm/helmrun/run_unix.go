//go:build !windows

package helmrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"golang.org/x/term"
)

// Run runs helm with our standard streams and returns its exit code.
// SIGTERM and SIGHUP sent to us are forwarded to helm, and so is SIGINT
// unless it came from a terminal (which already sent it to helm, in our
// process group); we wait for helm to finish either way, then clean up.
// On Linux, helm gets SIGTERM if we die (even by SIGKILL), so it never
// waits forever on a pipe nobody serves.
func Run(ctx context.Context, c Cmd) (int, error) {
	cmd := exec.Command(c.Helm, c.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.Env = c.Env
	setDeathSignal(cmd)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	// The parent-death signal is tied to the thread that forked helm.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("run %s: %w", c.Helm, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	interactive := term.IsTerminal(int(os.Stdin.Fd()))
	for {
		select {
		case err := <-done:
			return exitCode(err)
		case s := <-sigs:
			if s == syscall.SIGINT && interactive {
				continue
			}
			_ = cmd.Process.Signal(s)
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			err := <-done
			code, _ := exitCode(err)
			return code, ctx.Err()
		}
	}
}

func exitCode(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 1, err
}
