package helm

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
)

// WrapOptions configure Wrap: one run of a helm command with its encrypted
// values decrypted on the fly.
type WrapOptions struct {
	// Helm is the helm binary (HELM_SECRETS_HELM_PATH, else HELM_BIN, else "helm").
	Helm string
	// Args are the helm command and its arguments, e.g.
	// ["upgrade", "--install", "app", "./chart", "-f", "secrets.yaml"].
	Args []string
	// Backends selects the backend of each file; DefaultBackend is used
	// for files without a NAME! prefix.
	Backends       Backends
	DefaultBackend string
	// IgnoreMissing turns missing values files into empty ones.
	IgnoreMissing bool
	// Quiet suppresses our informational messages (never errors).
	Quiet bool
	// Stdin, Stdout and Stderr are helm's standard streams; Stderr also
	// receives our messages. Nil means the process's own.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env is helm's environment; nil means os.Environ().
	Env []string
}

// Wrap decrypts every encrypted values source in o.Args, runs helm with
// the plaintext handed over without touching the disk, and returns helm's
// exit code. A non-nil error means helm was not run (or could not be
// started): the caller prints it and exits 1.
func Wrap(ctx context.Context, o WrapOptions) (int, error) {
	cmd := exec.CommandContext(ctx, o.Helm, o.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	cmd.Env = o.Env
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}
