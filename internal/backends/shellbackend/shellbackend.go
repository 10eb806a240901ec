package shellbackend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
)

// ErrNotEncrypted means _custom_backend_is_file_encrypted said no;
// ErrAlreadyEncrypted, before an encryption, that it said yes.
var (
	ErrNotEncrypted     = errors.New("not encrypted")
	ErrAlreadyEncrypted = errors.New("already encrypted")
)

// Script is one custom backend script.
type Script struct {
	// Path is the script as the user named it.
	Path string
	// Args are the backend args (-a, HELM_SECRETS_BACKEND_ARGS), given to
	// the script as SECRET_BACKEND_ARGS.
	Args string
	// Quiet sets QUIET=true (log prints nothing).
	Quiet bool
	// ScriptDir is SCRIPT_DIR and HELM_SECRETS_SCRIPT_DIR for the script
	// (the plugin's scripts folder).
	ScriptDir string
	// Shell runs the script ("" means sh, as the shell plugin's #!).
	Shell string
	// Stderr receives the script's stderr (nil: os.Stderr); Stdin and
	// Stdout are the terminal an edit runs at (nil: the process's own).
	Stderr io.Writer
	Stdin  io.Reader
	Stdout io.Writer
	// Limit caps the plaintext a call may print (0: no limit).
	Limit int64
}

// prelude defines what the shell plugin's scripts give a backend they
// source: its shell options, its message helpers and the helpers its
// scripts/lib/backends/_custom.sh library uses (_regex_escape, _sed_i;
// _mktemp makes files, mode 0600, or with -d folders, in a private
// folder removed when the call exits). $0 is the backend
// script, "$@" the function and its arguments.
const prelude = `set -euf
log() {
    if [ "${QUIET}" = "false" ]; then
        _fmt="$1"; shift
        # shellcheck disable=SC2059
        printf "[helm-secrets] ${_fmt}\n" "$@" >&2
    fi
}
error() {
    _fmt="$1"; shift
    # shellcheck disable=SC2059
    printf "[helm-secrets] [error] ${_fmt}\n" "$@" >&2
}
fatal() {
    error "$@"
    exit 1
}
_regex_escape() {
    sed -e 's/[]\/$*.^[]/\\&/g'
}
_sed_i() {
    if sed --version >/dev/null 2>&1; then sed -i "$@"; else sed -i '' "$@"; fi
}
_mktemp() {
    if [ -z "${_hs_private_tmp:-}" ]; then
        _hs_private_tmp="$(mktemp -d)"
        trap 'rm -rf "${_hs_private_tmp}"' EXIT
    fi
    mktemp "$@" "${_hs_private_tmp}/XXXXXX"
}
. "$0"
"$@"
`

// call runs fn(args...) in a shell that sourced the script; stdin feeds
// it, stdout is returned (bounded by Limit).
func (s *Script) call(ctx context.Context, stdin io.Reader, interactive bool, fn string, args ...string) ([]byte, error) {
	return s.callIn(ctx, "", stdin, interactive, fn, args...)
}

// callIn is call in the folder dir ("": ours).
func (s *Script) callIn(ctx context.Context, dir string, stdin io.Reader, interactive bool, fn string, args ...string) ([]byte, error) {
	sh := s.Shell
	if sh == "" {
		sh = "sh"
	}
	script := s.Path
	if dir != "" {
		// Sourced after the cd: name it from where we are.
		if abs, err := filepath.Abs(script); err == nil {
			script = abs
		}
	}
	cmd := exec.CommandContext(ctx, sh, append([]string{"-c", prelude, script, fn}, args...)...)
	// The script's shell dies with us (Linux), as the context kills it.
	lifecycle.Child(cmd)
	quiet := "false"
	if s.Quiet {
		quiet = "true"
	}
	cmd.Env = append(os.Environ(), "SECRET_BACKEND=custom", "SECRET_BACKEND_ARGS="+s.Args, "QUIET="+quiet,
		"SCRIPT_DIR="+s.ScriptDir, settings.EnvScriptDir+"="+s.ScriptDir)
	cmd.Dir = dir
	cmd.Stderr = s.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	out := &bounds.Buffer{Limit: s.Limit}
	switch {
	case interactive:
		cmd.Stdin, cmd.Stdout = s.Stdin, s.Stdout
		if cmd.Stdin == nil {
			cmd.Stdin = os.Stdin
		}
		if cmd.Stdout == nil {
			cmd.Stdout = os.Stdout
		}
	default:
		cmd.Stdin, cmd.Stdout = stdin, out
	}
	if err := cmd.Run(); err != nil {
		if out.Over() {
			return nil, fmt.Errorf("custom backend %s: %s printed over %d bytes", s.Path, fn, s.Limit)
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, &CallError{Script: s.Path, Func: fn, Code: ee.ExitCode()}
		}
		return nil, fmt.Errorf("custom backend %s: %w", s.Path, err)
	}
	return out.Bytes(), nil
}

// CallError is a backend function that failed; its own messages went to
// Stderr.
type CallError struct {
	Script, Func string
	Code         int
}

func (e *CallError) Error() string {
	return fmt.Sprintf("custom backend %s: %s failed (exit status %d)", e.Script, e.Func, e.Code)
}

// IsFileEncrypted runs _custom_backend_is_file_encrypted FILE.
func (s *Script) IsFileEncrypted(ctx context.Context, file string) (bool, error) {
	_, err := s.call(ctx, nil, false, "_custom_backend_is_file_encrypted", file)
	var ce *CallError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ce) && ce.Code == 1:
		return false, nil
	}
	return false, err
}

// DecryptFile runs _custom_backend_decrypt_file TYPE FILE (no output
// file: the plaintext comes on stdout, into memory). It first asks
// _custom_backend_is_file_encrypted; ErrNotEncrypted when that says no.
func (s *Script) DecryptFile(ctx context.Context, typ, file string) ([]byte, error) {
	enc, err := s.IsFileEncrypted(ctx, file)
	if err != nil {
		return nil, err
	}
	if !enc {
		return nil, ErrNotEncrypted
	}
	return s.call(ctx, nil, false, "_custom_backend_decrypt_file", typ, file)
}

// Decrypt decrypts a document held in memory: the script reads it from
// /dev/stdin, so it never lands in a file.
func (s *Script) Decrypt(ctx context.Context, typ string, data []byte) ([]byte, error) {
	_, err := s.call(ctx, bytes.NewReader(data), false, "_custom_backend_is_file_encrypted", "/dev/stdin")
	var ce *CallError
	switch {
	case errors.As(err, &ce) && ce.Code == 1:
		return nil, ErrNotEncrypted
	case err != nil:
		return nil, err
	}
	return s.call(ctx, bytes.NewReader(data), false, "_custom_backend_decrypt_file", typ, "/dev/stdin")
}

// DecryptLiteral runs _custom_backend_decrypt_literal VALUE.
func (s *Script) DecryptLiteral(ctx context.Context, value string) ([]byte, error) {
	return s.call(ctx, nil, false, "_custom_backend_decrypt_literal", value)
}

// EncryptFile encrypts file as the shell plugin's encrypt does: in the
// file's folder, `_custom_backend_is_file_encrypted NAME` first (true:
// ErrAlreadyEncrypted), then `_custom_backend_encrypt_file yaml NAME OUT`
// with OUT = NAME for inPlace (the script writes the file), else "" (the
// ciphertext comes back from stdout).
func (s *Script) EncryptFile(ctx context.Context, file string, inPlace bool) ([]byte, error) {
	dir, name := filepath.Split(file)
	if _, err := s.callIn(ctx, dir, nil, false, "_custom_backend_is_file_encrypted", name); err == nil {
		return nil, ErrAlreadyEncrypted
	} else if ce := (*CallError)(nil); !errors.As(err, &ce) || ce.Code != 1 {
		return nil, err
	}
	out := ""
	if inPlace {
		out = name
	}
	return s.callIn(ctx, dir, nil, false, "_custom_backend_encrypt_file", "yaml", name, out)
}

// EditFile runs `_custom_backend_edit_file yaml NAME` in the file's folder,
// at our terminal, as the shell plugin's edit does.
func (s *Script) EditFile(ctx context.Context, file string) error {
	dir, name := filepath.Split(file)
	_, err := s.callIn(ctx, dir, nil, true, "_custom_backend_edit_file", "yaml", name)
	return err
}

// String is the script's path, for messages.
func (s *Script) String() string { return strings.TrimSpace(s.Path) }
