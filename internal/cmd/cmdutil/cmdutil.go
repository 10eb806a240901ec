// Package cmdutil is what every command of the helm-secrets binary gets
// injected: its streams, the message printer, the sops engine, the
// backends, the audit trail and the checks shared by the file commands.
// A command package takes a *Factory in its Options and prints and records
// only through it, so a test can run a command with buffers for streams.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// IOStreams are the standard streams of one run. Commands use these and
// never os.Stdin/os.Stdout/os.Stderr.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Prefix starts every message of ours on stderr, as in the shell plugin.
const Prefix = "[helm-secrets] "

// ExitError ends a run with an exit code; its message, if any, has already
// been printed.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ErrReported means: the failure was reported on stderr; exit 1.
var ErrReported = &ExitError{Code: 1}

// Printer prints our messages on ErrOut, each line starting with Prefix.
// Every message goes through urls.Redact: no URL credential or
// secrets+literal:// value reaches them, whatever a caller formats in.
type Printer struct {
	ErrOut io.Writer
	Quiet  bool // no Infof (-q, HELM_SECRETS_QUIET)
	Debug  bool // Debugf prints (HELM_SECRETS_DEBUG, HELM_DEBUG)
}

// Infof prints an informational message unless quiet.
func (p *Printer) Infof(format string, args ...any) {
	if !p.Quiet {
		fmt.Fprint(p.ErrOut, Prefix+urls.Redact(fmt.Sprintf(format, args...))+"\n")
	}
}

// Errorf prints an error message (never suppressed), each of its lines
// with our prefix, and returns ErrReported, so a command can
// `return f.Errorf(...)`. With HELM_SECRETS_DEBUG_PANICS set, the stack of
// a recovered sops panic among args follows.
func (p *Printer) Errorf(format string, args ...any) error {
	for _, line := range strings.Split(urls.Redact(fmt.Sprintf(format, args...)), "\n") {
		fmt.Fprintf(p.ErrOut, "%s%s\n", Prefix, line)
	}
	if settings.Load().DebugPanics {
		for _, x := range args {
			if err, ok := x.(error); ok {
				_, _ = p.ErrOut.Write(encrypt.PanicStack(err))
			}
		}
	}
	return ErrReported
}

// Debugf prints a debug line. Callers never pass plaintext, keys or --set
// values.
func (p *Printer) Debugf(format string, args ...any) {
	if p.Debug {
		fmt.Fprint(p.ErrOut, Prefix+"[debug] "+urls.Redact(fmt.Sprintf(format, args...))+"\n")
	}
}

// Factory is the state of one run that commands share.
type Factory struct {
	IO IOStreams
	Printer
	Engine   *encrypt.Engine   // the in-process sops engine
	Backends *backend.Selector // every backend the run may use
	Backend  backend.Backend   // the default backend (-b / HELM_SECRETS_BACKEND)
	Audit    *audit.Logger     // HELM_SECRETS_AUDIT_LOG; nil: off
	Version  string            // the plugin version
}

// SopsBackend reports whether the default backend manages SOPS files (as
// opposed to noop, which uses files as they are).
func (f *Factory) SopsBackend() bool { return f.Backend.Engine() != nil }

// RequireSops refuses commands that only make sense for SOPS files when
// another backend was chosen.
func (f *Factory) RequireSops(cmd string) error {
	if f.SopsBackend() {
		return nil
	}
	return f.Errorf("%s needs the sops backend (the %s backend was selected)", cmd, f.Backend.Name())
}

// RequireFile checks that file names an existing regular file, printing
// the shell plugin's message otherwise.
func (f *Factory) RequireFile(file string) error {
	st, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid):
		return f.Errorf("File does not exist: %s", file)
	case err != nil:
		return f.Errorf("%v", err)
	case st.IsDir():
		return f.Errorf("Not a file: %s is a directory", file)
	}
	return nil
}

// SopsNoConfig and SopsNoRule are the sops CLI's wording when there is
// nothing to encrypt to; users and scripts look for these.
const (
	SopsNoConfig = "config file not found, or has no creation rules, and no keys provided through command line options"
	SopsNoRule   = "error loading config: no matching creation rules found"
)

// EncryptError reports a failure to encrypt file ("encrypting", "editing",
// "updating keys of").
func (f *Factory) EncryptError(doing, file string, err error) error {
	fmt.Fprintf(f.ErrOut, "%sError while %s file: %s\n", Prefix, doing, file)
	if errors.Is(err, encrypt.ErrNoRecipients) {
		if errors.Is(err, encrypt.ErrNoCreationRule) {
			return f.Errorf("%s (%v)", SopsNoRule, err)
		}
		// The current sops CLI's wording, then what to do: one line.
		return f.Errorf("%s: add a creation rule for %s to .sops.yaml, or set SOPS_AGE_RECIPIENTS or SOPS_PGP_FP", SopsNoConfig, file)
	}
	return f.Errorf("%v", err)
}

// InPlaceTarget is where an in-place write of path goes: through a symlink
// to the file it points at (as sops -i does), so the link is kept.
func InPlaceTarget(path string) string {
	if t, err := filepath.EvalSymlinks(path); err == nil {
		return t
	}
	return path
}

// WriteInPlace replaces path (through symlinks) atomically, keeping its
// mode; newPerm is the mode of a file that did not exist.
func WriteInPlace(path string, data []byte, newPerm fs.FileMode) error {
	return atomicfile.Write(InPlaceTarget(path), data, newPerm)
}
