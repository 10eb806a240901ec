package encrypt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/version"
)

// SopsVersion is the sops version written into the metadata of files we
// encrypt (the version of the sops library we are built with).
var SopsVersion = version.Version

// EncryptOptions configure Encrypt and EncryptFile.
type EncryptOptions struct {
	// Format of the plaintext; FormatAuto takes it from Path's extension,
	// and unknown extensions mean binary, as with sops.
	Format Format
	// Path is where the file lives (or will live). It selects the
	// .sops.yaml creation rule and the format; it is not read.
	Path string
	// Recipients, when set, replace the .sops.yaml creation rules.
	Recipients *Recipients
}

// Encrypt encrypts a plaintext document and returns the SOPS document.
// Recipients come from opts.Recipients, else from the .sops.yaml creation
// rule for opts.Path, else from the SOPS_* recipient variables.
func (e *Engine) Encrypt(ctx context.Context, plaintext []byte, opts EncryptOptions) ([]byte, error) {
	out, err := e.encrypt(ctx, plaintext, opts)
	if err != nil {
		if opts.Path != "" {
			return nil, fmt.Errorf("encrypt %s: %w", opts.Path, err)
		}
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return out, nil
}

// EncryptFile reads the plaintext file at path and returns it encrypted.
// It does not write anything; see WriteFileAtomic for in-place encryption.
func (e *Engine) EncryptFile(ctx context.Context, path string, opts EncryptOptions) ([]byte, error) {
	data, err := e.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", path, err)
	}
	opts.Path = path
	return e.Encrypt(ctx, data, opts)
}

func (e *Engine) encrypt(ctx context.Context, plaintext []byte, opts EncryptOptions) (out []byte, err error) {
	defer guard("encrypt", &err)
	format := opts.Format
	if format == FormatAuto {
		format = FormatFromPath(opts.Path)
		if format == FormatAuto {
			format = FormatBinary
		}
	}
	if err := e.checkInput(plaintext, format); err != nil {
		return nil, err
	}
	sc, err := storesConfigFor(opts.Path)
	if err != nil {
		return nil, err
	}
	store := format.store(sc)
	if format != FormatBinary && IsEncrypted(plaintext, format) {
		return nil, ErrAlreadyEncrypted
	}
	branches, err := store.LoadPlainFile(plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid %s document: %s", ErrInvalidContent, format, sanitize(err, plaintext))
	}
	if format != FormatBinary && len(branches) > 0 && store.HasSopsTopLevelKey(branches[0]) {
		return nil, ErrAlreadyEncrypted
	}
	rcpt := opts.Recipients
	if rcpt == nil {
		path := opts.Path
		if path == "" {
			path = "stdin"
		}
		if rcpt, err = RecipientsForFile(path); err != nil {
			return nil, err
		}
	}
	singleValue := false
	if svs, ok := store.(sops.SingleValueStore); ok {
		singleValue = svs.IsSingleValueStore()
	}
	meta, err := rcpt.metadata(singleValue)
	if err != nil {
		return nil, err
	}
	if opts.Recipients == nil {
		// Recipients the caller did not give (a .sops.yaml rule, the
		// SOPS_* variables) name plugins only if allowed.
		if err := e.checkAgePlugins(meta.KeyGroups); err != nil {
			return nil, err
		}
	}
	tree := sops.Tree{Branches: branches, Metadata: meta}
	if opts.Path != "" {
		tree.FilePath, _ = filepath.Abs(opts.Path)
	}
	dataKey, errs := tree.GenerateDataKeyWithKeyServices(e.keyServices(ctx))
	if len(errs) > 0 {
		return nil, fmt.Errorf("could not encrypt the data key for every recipient: %w", errors.Join(errs...))
	}
	if err := common.EncryptTree(common.EncryptTreeOpts{Tree: &tree, Cipher: aes.NewCipher(), DataKey: dataKey}); err != nil {
		return nil, err
	}
	return e.checkOutput(store.EmitEncryptedFile(tree))
}
