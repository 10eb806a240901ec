// Package gitsecrets makes Git work with SOPS-encrypted files: a merge
// driver that merges the decrypted structure of three versions key by key
// and writes the result encrypted again (conflicts included, as encrypted
// strings holding conflict markers), a textconv filter for readable diffs,
// a key-level diff that never prints a value, and the setup that registers
// them in a repository.
//
// Each command has an options struct and a Run function; cmd/helm-secrets
// only parses arguments. Nothing decrypted is ever written to disk: the
// three versions are decrypted, merged and re-encrypted in memory.
package gitsecrets

import (
	"context"
	"errors"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// DecryptFunc decrypts one version of a file held in memory; file names it
// (the path in the repository, or the file git passed). The commands use
// Engine.Decrypt when their options leave it nil; helm-secrets passes one
// that also writes the audit event of the decryption.
type DecryptFunc func(ctx context.Context, data []byte, format encrypt.Format, file string) ([]byte, error)

// ErrStop, wrapped in an error of a DecryptFunc, ends textconv and
// diff-keys with that error instead of treating the version as one that
// does not decrypt (the audit event could not be written, say).
var ErrStop = errors.New("stopped")

// decryptFunc returns f, or e.Decrypt when f is nil.
func decryptFunc(f DecryptFunc, e *encrypt.Engine) DecryptFunc {
	if f != nil {
		return f
	}
	return func(ctx context.Context, data []byte, format encrypt.Format, _ string) ([]byte, error) {
		return e.Decrypt(ctx, data, format)
	}
}
