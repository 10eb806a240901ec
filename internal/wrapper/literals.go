package wrapper

import (
	"context"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/backend"
	"github.com/helm-secrets/helm-secrets/internal/literals"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// literalBackend is the backend of a --set value: its NAME! prefix (with
// the prefix removed), else def.
func (p *preparer) literalBackend(def backend.Backend, value string) (backend.Backend, string, error) {
	name, rest := backend.SplitPrefix(value)
	if name == "" {
		return def, value, nil
	}
	b, err := p.o.Backends.Get(name)
	return b, rest, err
}

// isLiteral tests a --set value against its backend: an expression for
// vals, a SOPS document for the others. A value naming a backend that
// cannot be used counts, so that its error stops the run.
func (p *preparer) isLiteral(def backend.Backend) func(string) bool {
	return func(value string) bool {
		b, rest, err := p.literalBackend(def, value)
		if err != nil {
			return rest != value
		}
		if lb, ok := b.(backend.LiteralBackend); ok {
			return lb.IsLiteral(rest)
		}
		return rest != value || encrypt.IsEncrypted([]byte(rest), encrypt.FormatAuto)
	}
}

// decryptLiteral decrypts (or evaluates) one --set value with its backend.
func (p *preparer) decryptLiteral(def backend.Backend, kind literals.Kind) func(context.Context, string, string) ([]byte, error) {
	return func(ctx context.Context, key, value string) ([]byte, error) {
		b, rest, err := p.literalBackend(def, value)
		if err != nil {
			return nil, err
		}
		if lb, ok := b.(backend.LiteralBackend); ok {
			return lb.DecryptLiteral(ctx, fmt.Sprintf("%s %s", kind.Flag(), key), rest)
		}
		plain, err := b.Decrypt(ctx, []byte(rest), encrypt.FormatAuto)
		if errors.Is(err, encrypt.ErrNotEncrypted) && rest != value {
			return []byte(rest), nil // NAME!plain: the shell plugin passes it on
		}
		return plain, err
	}
}
