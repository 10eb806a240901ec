package encrypt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/common"
)

// EditFunc receives the plaintext of a document and returns the new
// plaintext. Returning the input unchanged leaves the file unchanged.
type EditFunc func(plaintext []byte) ([]byte, error)

// Edit decrypts an encrypted document, lets fn change the plaintext and
// re-encrypts the result with the same data key and recipients. Values
// that did not change keep their exact ciphertext, so diffs stay small.
// format FormatAuto detects the format from the content. When fn returns
// the plaintext unchanged, Edit returns the input unchanged and changed
// false.
func (e *Engine) Edit(ctx context.Context, data []byte, format Format, fn EditFunc) (out []byte, changed bool, err error) {
	out, changed, err = e.edit(ctx, data, format, "", fn)
	if err != nil {
		return nil, false, fmt.Errorf("edit: %w", err)
	}
	return out, changed, nil
}

// EditFile is Edit on the file at path; it returns the new content and
// writes nothing. A path that does not exist yet is created from an empty
// document in the file's format, encrypted to the .sops.yaml recipients.
func (e *Engine) EditFile(ctx context.Context, path string, fn EditFunc) (out []byte, changed bool, err error) {
	data, err := e.readFile(path)
	if errors.Is(err, os.ErrNotExist) {
		// Know the recipients before the user types anything.
		rcpt, rerr := RecipientsForFile(path)
		if rerr != nil {
			return nil, false, fmt.Errorf("edit %s: %w", path, rerr)
		}
		if groups, gerr := rcpt.keyGroups(); gerr == nil {
			if perr := e.checkAgePlugins(groups); perr != nil {
				return nil, false, fmt.Errorf("edit %s: %w", path, perr)
			}
		}
		plain, ferr := fn(nil)
		if ferr != nil {
			return nil, false, fmt.Errorf("edit %s: %w", path, ferr)
		}
		out, err := e.Encrypt(ctx, plain, EncryptOptions{Path: path, Recipients: rcpt})
		return out, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("edit %s: %w", path, err)
	}
	out, changed, err = e.edit(ctx, data, DetectFormat(path, data), path, fn)
	if err != nil {
		return nil, false, fmt.Errorf("edit %s: %w", path, err)
	}
	return out, changed, nil
}

func (e *Engine) edit(ctx context.Context, data []byte, format Format, path string, fn EditFunc) (out []byte, changed bool, err error) {
	defer guard("edit", &err)
	if err := e.checkInput(data, format); err != nil {
		return nil, false, err
	}
	sc, err := storesConfigFor(path)
	if err != nil {
		return nil, false, err
	}
	tree, format, err := loadEncrypted(data, format, sc)
	if err != nil {
		return nil, false, err
	}
	cipher := aes.NewCipher()
	dataKey, err := e.openTree(ctx, &tree, cipher)
	if err != nil {
		return nil, false, err
	}
	store := format.store(sc)
	plain, err := store.EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, false, fmt.Errorf("emit %s: %w", format, err)
	}
	edited, err := fn(plain)
	if err != nil {
		return nil, false, err
	}
	if bytes.Equal(edited, plain) {
		return data, false, nil
	}
	if err := e.checkInput(edited, format); err != nil {
		return nil, false, fmt.Errorf("the edited text: %w", err)
	}
	branches, err := store.LoadPlainFile(edited)
	if err != nil {
		return nil, false, fmt.Errorf("%w: the edited text is not a valid %s document: %s", ErrInvalidContent, format, sanitize(err, edited))
	}
	if format != FormatBinary && len(branches) > 0 && store.HasSopsTopLevelKey(branches[0]) {
		return nil, false, fmt.Errorf("%w: the edited text has a top-level \"sops\" key", ErrInvalidContent)
	}
	tree.Branches = branches
	// The same cipher instance remembers the IV of every decrypted value,
	// so unchanged values re-encrypt to the same ciphertext.
	if err := common.EncryptTree(common.EncryptTreeOpts{Tree: &tree, Cipher: cipher, DataKey: dataKey}); err != nil {
		return nil, false, err
	}
	out, err = e.checkOutput(store.EmitEncryptedFile(tree))
	return out, err == nil, err
}

// reencrypt re-encrypts an opened tree with its data key (used by Rotate and
// UpdateKeys after they changed the metadata).
func reencrypt(tree *sops.Tree, store common.Store, dataKey []byte, cipher aes.Cipher) ([]byte, error) {
	if err := common.EncryptTree(common.EncryptTreeOpts{Tree: tree, Cipher: cipher, DataKey: dataKey}); err != nil {
		return nil, err
	}
	return store.EmitEncryptedFile(*tree)
}
