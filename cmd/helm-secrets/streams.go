package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
)

// IOStreams are the standard streams of one run. Commands use these and
// never os.Stdin/os.Stdout/os.Stderr, so tests can call run directly.
type IOStreams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// errReported means: the failure was reported on stderr; exit 1. It is
// cmdutil.ErrReported, which the command packages return.
var errReported = cmdutil.ErrReported

// exitCode maps a command's error to the process exit code, printing
// errors that were not reported yet.
func exitCode(s IOStreams, err error) int {
	if err == nil {
		return 0
	}
	var ce *cmdutil.ExitError
	if errors.As(err, &ce) {
		return ce.Code
	}
	fmt.Fprintf(s.Stderr, "%s%s\n", cmdutil.Prefix, err)
	return 1
}
