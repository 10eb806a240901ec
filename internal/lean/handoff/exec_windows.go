//go:build windows

package handoff

import (
	"errors"
	"os"
	"os/exec"
)

// Exec runs the sibling binary name with args and this process's standard
// streams, and returns its exit code (Windows has no exec). The error is
// non-nil only when it could not be run.
func Exec(name string, args []string) (int, error) {
	full, err := Sibling(name)
	if err != nil {
		return 1, err
	}
	cmd := exec.Command(full, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), nil
	case err != nil:
		return 1, err
	}
	return 0, nil
}
