//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// handOff runs `helm-secrets downloader ARGS...` with this process's
// standard streams and returns its exit code (Windows has no exec).
func handOff(args []string) int {
	full, err := fullBinary()
	if err == nil {
		cmd := exec.Command(full, append([]string{"downloader"}, args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		err = cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err == nil {
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "[helm-secrets] cannot start helm-secrets downloader: %v\n", err)
	return 1
}
