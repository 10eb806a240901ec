package helm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Backend decides whether a file is encrypted and decrypts it.
type Backend interface {
	// Name is the backend's name as users select it ("sops", "noop").
	Name() string
	// Decrypt returns the plaintext of an encrypted document, or
	// encrypt.ErrNotEncrypted (wrapped) when data is not encrypted.
	Decrypt(ctx context.Context, data []byte, format encrypt.Format) ([]byte, error)
}

// SopsBackend decrypts SOPS documents in process with an encrypt.Engine.
type SopsBackend struct{ Engine *encrypt.Engine }

// Name implements Backend.
func (SopsBackend) Name() string { return "sops" }

// Decrypt implements Backend.
func (b SopsBackend) Decrypt(ctx context.Context, data []byte, format encrypt.Format) ([]byte, error) {
	return b.Engine.Decrypt(ctx, data, format)
}

// NoopBackend uses files exactly as they are: for pipelines and tests
// without keys.
type NoopBackend struct{}

// Name implements Backend.
func (NoopBackend) Name() string { return "noop" }

// Decrypt implements Backend: it returns data unchanged.
func (NoopBackend) Decrypt(_ context.Context, data []byte, _ encrypt.Format) ([]byte, error) {
	return data, nil
}

// Backend selection errors, worded as the shell plugin words them.
var (
	ErrUnknownBackend    = errors.New("Can't find secret backend")
	ErrBackendNotAllowed = errors.New("secret backend not allowed")
)

// Backends selects backends by name, honouring an allow-list
// (HELM_SECRETS_ALLOWED_BACKENDS).
type Backends struct {
	// Engine serves the sops backend.
	Engine *encrypt.Engine
	// Allowed, when non-empty, lists the only backend names that may be used.
	Allowed []string
}

// Get returns the backend called name ("" means sops).
func (b Backends) Get(name string) (Backend, error) {
	if name == "" {
		name = "sops"
	}
	if len(b.Allowed) > 0 && !contains(b.Allowed, name) {
		return nil, &selectError{msg: fmt.Sprintf("secret backend '%s' not allowed", name), kind: ErrBackendNotAllowed}
	}
	switch name {
	case "sops":
		return SopsBackend{Engine: b.Engine}, nil
	case "noop":
		return NoopBackend{}, nil
	case "vals":
		return nil, fmt.Errorf("%w: %s (the vals backend is not supported yet)", ErrUnknownBackend, name)
	}
	if st, err := os.Stat(name); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%w: %s (custom shell backends are not supported; use sops or noop)", ErrUnknownBackend, name)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownBackend, name)
}

// selectError carries a message worded for users and the sentinel it is.
type selectError struct {
	msg  string
	kind error
}

func (e *selectError) Error() string { return e.msg }
func (e *selectError) Unwrap() error { return e.kind }

// IsBackendName reports whether name can name a backend in a NAME! prefix:
// a built-in backend or an existing file.
func IsBackendName(name string) bool {
	switch name {
	case "sops", "noop", "vals":
		return true
	}
	if name == "" {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && !st.IsDir()
}

// SplitBackendPrefix splits "NAME!rest" into NAME and rest when NAME names a
// backend (IsBackendName); otherwise it returns "" and item unchanged, so a
// file called "a!b.yaml" still works.
func SplitBackendPrefix(item string) (backend, rest string) {
	name, rest, ok := strings.Cut(item, "!")
	if ok && IsBackendName(name) {
		return name, rest
	}
	return "", item
}

// ParseList splits a comma-separated environment value, trimming spaces.
func ParseList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
