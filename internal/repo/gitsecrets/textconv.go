package gitsecrets

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TextconvOptions are the arguments of the textconv filter (diff.helm-secrets.textconv
// = "helm secrets git textconv"); git appends the file.
type TextconvOptions struct {
	Engine *encrypt.Engine
	// File is the file git wrote the version to (its name ends with the
	// file's own name, so the extension says the format).
	File   string
	Stdout io.Writer
	// Decrypt, when set, replaces Engine.Decrypt.
	Decrypt DecryptFunc
}

// RunTextconv prints the decrypted text of File, for git diff and git log
// -p to compare. A file that is not encrypted is printed as it is; a file
// this user cannot decrypt (no key, or its MAC does not verify) gives a
// one-line note instead of its values, and no error, so that git diff
// still works for people without the key. The output goes to git through
// a pipe; setup turns git's cache of textconv output off, so it is never
// stored.
func RunTextconv(ctx context.Context, o TextconvOptions) error {
	data, err := o.Engine.ReadRaw(o.File)
	if err != nil {
		return fmt.Errorf("textconv: %w", err)
	}
	format := encrypt.DetectFormat(o.File, data)
	if !encrypt.IsEncrypted(data, format) {
		_, err := o.Stdout.Write(data)
		return err
	}
	plain, err := decryptFunc(o.Decrypt, o.Engine)(ctx, data, format, o.File)
	if errors.Is(err, ErrStop) {
		return err
	}
	if err != nil {
		// The version's digest tells versions apart, so that git diff
		// still shows that the file changed.
		sum := sha256.Sum256(data)
		_, werr := fmt.Fprintf(o.Stdout, "# helm-secrets: encrypted %s file, not decrypted here (%s); values not shown; version %x\n", format, reason(err), sum[:6])
		return werr
	}
	_, err = o.Stdout.Write(plain)
	return err
}

// reason names why a file did not decrypt, in a few words.
func reason(err error) string {
	switch {
	case errors.Is(err, encrypt.ErrNoKey):
		return "no key for it"
	case errors.Is(err, encrypt.ErrMACMismatch), errors.Is(err, encrypt.ErrTampered):
		return "its MAC does not verify: tampered"
	case errors.Is(err, encrypt.ErrMalformed):
		return "malformed sops metadata"
	}
	return "it does not decrypt"
}
