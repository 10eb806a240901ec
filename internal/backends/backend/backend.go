package backend

import (
	"context"
	"errors"
	"fmt"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"os"
	"slices"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Backend decides whether files are encrypted and decrypts them. Callers
// use only these methods: which backend it is does not matter to them.
type Backend interface {
	// Name is the backend's name as users select it ("sops", "noop").
	Name() string
	// ReadFiles reads local files concurrently; an encrypted file comes
	// back decrypted with Encrypted true, any other file as it is. A
	// failure to read or decrypt is the Result's Err.
	ReadFiles(ctx context.Context, paths []string) []encrypt.Result
	// Decrypt returns the plaintext of an encrypted document held in
	// memory, or encrypt.ErrNotEncrypted (wrapped) when data is not one.
	Decrypt(ctx context.Context, data []byte, format encrypt.Format) ([]byte, error)
	// DecryptLiteral returns the plaintext of one --set style value (source
	// names it in errors, e.g. "--set db.password") as
	// typed after its key= (an encrypted literal: a whole SOPS document for
	// sops), or encrypt.ErrNotEncrypted (wrapped) when the backend leaves
	// the value as it is, as the shell plugin's backend_decrypt_literal
	// prints it unchanged.
	DecryptLiteral(ctx context.Context, source, value string) ([]byte, error)
	// IsLiteral reports whether DecryptLiteral would not leave value as
	// it is, without decrypting or evaluating it (no key is used, nothing
	// is fetched) where the backend can tell: sops by its metadata, vals by
	// a "ref+", noop never; a custom backend's script can only tell by
	// running its decrypt_literal.
	IsLiteral(ctx context.Context, value string) (bool, error)
	// Engine is the SOPS engine that manages this backend's files (encrypt,
	// edit, rotate, updatekeys), or nil when the backend uses files as they
	// are.
	Engine() *encrypt.Engine
}

// sops decrypts SOPS documents in process with an encrypt.Engine.
type sops struct{ engine *encrypt.Engine }

func (sops) Name() string { return "sops" }

func (b sops) ReadFiles(ctx context.Context, paths []string) []encrypt.Result {
	results, _ := b.engine.DecryptFilesIfEncrypted(ctx, paths)
	return results
}

func (b sops) Decrypt(ctx context.Context, data []byte, format encrypt.Format) ([]byte, error) {
	return b.engine.Decrypt(ctx, data, format)
}

func (b sops) DecryptLiteral(ctx context.Context, _, value string) ([]byte, error) {
	if lit, _ := b.IsLiteral(ctx, value); !lit {
		return nil, encrypt.ErrNotEncrypted
	}
	return b.engine.Decrypt(ctx, []byte(value), encrypt.FormatAuto)
}

func (sops) IsLiteral(_ context.Context, value string) (bool, error) {
	return strings.Contains(value, "sops") && encrypt.IsEncrypted([]byte(value), encrypt.FormatAuto), nil
}

func (b sops) Engine() *encrypt.Engine { return b.engine }

// noop uses files exactly as they are: for pipelines and tests without
// keys.
type noop struct{ engine *encrypt.Engine }

func (noop) Name() string { return "noop" }

func (b noop) ReadFiles(_ context.Context, paths []string) []encrypt.Result {
	results := make([]encrypt.Result, len(paths))
	for i, p := range paths {
		data, err := b.engine.ReadRaw(p)
		results[i] = encrypt.Result{Path: p, Plaintext: data, Err: err}
	}
	return results
}

func (noop) Decrypt(_ context.Context, data []byte, _ encrypt.Format) ([]byte, error) {
	return data, nil
}

func (noop) DecryptLiteral(context.Context, string, string) ([]byte, error) {
	return nil, encrypt.ErrNotEncrypted
}

func (noop) IsLiteral(context.Context, string) (bool, error) { return false, nil }

func (noop) Engine() *encrypt.Engine { return nil }

// Sentinels that a selection Error matches with errors.Is.
var (
	ErrUnknown    = errors.New("unknown secret backend")
	ErrNotAllowed = errors.New("secret backend not allowed")
)

// Error is a failed backend selection. Its text is the shell plugin's
// wording, which scripts grep for.
type Error struct {
	Name       string // the backend as named by the user
	NotAllowed bool   // refused by the allow-list (else: unknown)
	Reason     string // why an unknown name cannot be used ("" if none)
}

func (e *Error) Error() string {
	if e.NotAllowed {
		return fmt.Sprintf("secret backend '%s' not allowed", e.Name)
	}
	if e.Reason != "" {
		return fmt.Sprintf("Can't find secret backend: %s (%s)", e.Name, e.Reason)
	}
	return "Can't find secret backend: " + e.Name
}

// Is makes errors.Is(err, ErrUnknown) and errors.Is(err, ErrNotAllowed)
// work.
func (e *Error) Is(target error) bool {
	return (e.NotAllowed && target == ErrNotAllowed) || (!e.NotAllowed && target == ErrUnknown)
}

// Selector selects backends by name, honouring an allow-list
// (HELM_SECRETS_ALLOWED_BACKENDS).
type Selector struct {
	// Engine serves the sops backend (nil: a new engine with default
	// options when first needed).
	Engine *encrypt.Engine
	// Allowed, when non-empty, lists the only backend names that may be used.
	Allowed []string
	// Scripts, when set, allows custom backend scripts (a name that is an
	// existing file): each gets a copy with Path set to the name. Nil
	// refuses them.
	Scripts *shellbackend.Script
	// Vals is the run's helm-secrets-vals session, which serves the vals
	// backend; nil refuses it.
	Vals *valsproto.Session
}

// Get returns the backend called name ("" means sops). Its error is an
// *Error.
func (s Selector) Get(name string) (Backend, error) {
	if name == "" {
		name = "sops"
	}
	if len(s.Allowed) > 0 && !slices.Contains(s.Allowed, name) {
		return nil, &Error{Name: name, NotAllowed: true}
	}
	eng := s.Engine
	if eng == nil {
		eng = encrypt.New(encrypt.Options{})
	}
	switch name {
	case "sops":
		return sops{engine: eng}, nil
	case "noop":
		return noop{engine: eng}, nil
	case ValsName:
		if s.Vals == nil {
			return nil, &Error{Name: name, Reason: "the vals backend is not available here"}
		}
		return vals{session: s.Vals, engine: eng}, nil
	}
	if st, err := os.Stat(name); err == nil && !st.IsDir() {
		if s.Scripts == nil {
			return nil, &Error{Name: name, Reason: "custom shell backends are not supported here; use sops or noop"}
		}
		script := *s.Scripts
		script.Path = name
		return custom{script: &script, engine: eng}, nil
	}
	return nil, &Error{Name: name}
}

// IsName reports whether name can name a backend in a NAME! prefix: a
// built-in backend or an existing file (helmargs.IsBackendName).
func IsName(name string) bool { return helmargs.IsBackendName(name) }

// SplitPrefix splits "NAME!rest" into NAME and rest when NAME names a
// backend (IsName); otherwise it returns "" and item unchanged, so a file
// called "a!b.yaml" still works (helmargs.SplitBackendPrefix).
func SplitPrefix(item string) (name, rest string) { return helmargs.SplitBackendPrefix(item) }
