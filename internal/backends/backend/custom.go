package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// custom is a shell plugin backend script (-b PATH): every call runs one of
// its _custom_backend_* functions (see internal/backends/shellbackend). Plaintext
// comes back on the function's stdout, into memory.
type custom struct {
	script *shellbackend.Script
	engine *encrypt.Engine // reads files for the policy checks and size cap
}

func (c custom) Name() string { return c.script.Path }

// ReadFiles asks the script about each file by its path, as the shell
// plugin's wrapper does (type "yaml": values files).
func (c custom) ReadFiles(ctx context.Context, paths []string) []encrypt.Result {
	results := make([]encrypt.Result, len(paths))
	for i, p := range paths {
		results[i].Path = p
		plain, err := c.script.DecryptFile(ctx, "yaml", p)
		switch {
		case errors.Is(err, shellbackend.ErrNotEncrypted):
			results[i].Plaintext, results[i].Err = c.engine.ReadRaw(p)
		case err != nil:
			results[i].Err = fmt.Errorf("decrypt %s: %w", p, err)
		default:
			results[i].Plaintext, results[i].Encrypted = plain, true
		}
	}
	return results
}

// Decrypt hands the document to the script on its stdin (/dev/stdin), so
// it never lands in a file; the type is the format's name, "auto" when
// unknown, as the shell plugin's decrypt command passes it.
func (c custom) Decrypt(ctx context.Context, data []byte, format encrypt.Format) ([]byte, error) {
	plain, err := c.script.Decrypt(ctx, format.String(), data)
	if errors.Is(err, shellbackend.ErrNotEncrypted) {
		return nil, fmt.Errorf("%s: %w", c.script.Path, encrypt.ErrNotEncrypted)
	}
	return plain, err
}

// DecryptLiteral runs the script's _custom_backend_decrypt_literal VALUE.
// As in the shell plugin, which compares the function's output (trailing
// newlines removed, as $(...) removes them) with the value, an unchanged
// value means "not encrypted".
func (c custom) DecryptLiteral(ctx context.Context, _, value string) ([]byte, error) {
	plain, err := c.script.DecryptLiteral(ctx, value)
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\n")
	if string(plain) == value {
		return nil, fmt.Errorf("%s: %w", c.script.Path, encrypt.ErrNotEncrypted)
	}
	return plain, nil
}

// IsLiteral runs the script's _custom_backend_decrypt_literal VALUE (the
// only way to know what it does with a value) and discards the result.
func (c custom) IsLiteral(ctx context.Context, value string) (bool, error) {
	_, err := c.DecryptLiteral(ctx, "", value)
	if errors.Is(err, encrypt.ErrNotEncrypted) {
		return false, nil
	}
	return true, nil // a failing script: the literal is not left as it is either
}

// Engine: the script manages its files itself (see Script).
func (custom) Engine() *encrypt.Engine { return nil }

// Script returns the custom backend script b runs, if it is one: encrypt
// and edit call its functions directly.
func Script(b Backend) (*shellbackend.Script, bool) {
	c, ok := b.(custom)
	if !ok {
		return nil, false
	}
	return c.script, true
}

// ErrScriptNotChosen is why a backend script named in a values reference
// was refused (GetReferenced).
var ErrScriptNotChosen = errors.New("a backend script named in a values reference (NAME!) runs only when HELM_SECRETS_ALLOWED_BACKENDS lists it or -b / HELM_SECRETS_BACKEND chose it")

// GetReferenced returns the backend a values reference names: the NAME!
// prefix of a -f file, of a --set value or of a secrets:// URL, which may
// come from a repository (an Argo CD application's value files) rather
// than from the operator. Built-in backends are Get's. A custom backend
// script must be the operator's choice: listed in Allowed
// (HELM_SECRETS_ALLOWED_BACKENDS), or the same file as def, the backend
// chosen with -b or HELM_SECRETS_BACKEND; otherwise a repository could have
// any script it holds run as a backend. The refusal is an *Error (not
// allowed) wrapped with ErrScriptNotChosen.
func (s Selector) GetReferenced(name, def string) (Backend, error) {
	switch name {
	case "", "sops", "noop", ValsName:
		return s.Get(name)
	}
	if len(s.Allowed) == 0 && !sameFile(name, def) {
		if st, err := os.Stat(name); err == nil && !st.IsDir() {
			return nil, fmt.Errorf("%w: %w", &Error{Name: name, NotAllowed: true}, ErrScriptNotChosen)
		}
	}
	return s.Get(name) // with an allow-list, Get applies it
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
