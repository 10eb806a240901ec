//go:build windows

package helmrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// Run runs helm and returns its exit code. Ctrl-C reaches helm through
// the console; we ignore it ourselves and wait for helm. When we die, our
// named pipes close with us.
func Run(ctx context.Context, c Cmd) (int, error) {
	cmd := exec.Command(c.Helm, c.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.Env = c.Env
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("run %s: %w", c.Helm, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			return exitCode(err)
		case <-sigs:
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-done
			return 1, ctx.Err()
		}
	}
}

func exitCode(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 1, err
}
