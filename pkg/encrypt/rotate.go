package encrypt

import (
	"context"
	"errors"
	"fmt"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/keys"
)

// Rotate re-encrypts a document with a new data key, wrapped for the same
// master keys. Every value gets new ciphertext; the plaintext is unchanged.
func (e *Engine) Rotate(ctx context.Context, data []byte, format Format) ([]byte, error) {
	out, err := e.rotate(ctx, data, format, "")
	if err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	return out, nil
}

// RotateFile is Rotate on the file at path; it returns the new content and
// writes nothing.
func (e *Engine) RotateFile(ctx context.Context, path string) ([]byte, error) {
	data, err := e.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("rotate %s: %w", path, err)
	}
	out, err := e.rotate(ctx, data, DetectFormat(path, data), path)
	if err != nil {
		return nil, fmt.Errorf("rotate %s: %w", path, err)
	}
	return out, nil
}

func (e *Engine) rotate(ctx context.Context, data []byte, format Format, path string) (out []byte, err error) {
	defer guard("rotate", &err)
	if err := e.checkInput(data, format); err != nil {
		return nil, err
	}
	sc, err := storesConfigFor(path)
	if err != nil {
		return nil, err
	}
	tree, format, err := loadEncrypted(data, format, sc)
	if err != nil {
		return nil, err
	}
	if err := e.checkAgePlugins(tree.Metadata.KeyGroups); err != nil {
		return nil, err
	}
	if _, err := e.openTree(ctx, &tree, aes.NewCipher()); err != nil {
		return nil, err
	}
	dataKey, errs := tree.GenerateDataKeyWithKeyServices(e.keyServices(ctx))
	if len(errs) > 0 {
		return nil, fmt.Errorf("could not encrypt the new data key for every master key: %w", errors.Join(errs...))
	}
	return e.checkOutput(reencrypt(&tree, format.store(sc), dataKey, aes.NewCipher()))
}

// UpdateKeysFile re-wraps the data key of the file at path for the master
// keys of its current .sops.yaml creation rule (adding and removing
// recipients). Values and their ciphertext do not change. It returns the new
// content, whether the recipients changed, and writes nothing.
func (e *Engine) UpdateKeysFile(ctx context.Context, path string) (out []byte, changed bool, err error) {
	out, changed, err = e.updateKeys(ctx, path)
	if err != nil {
		return nil, false, fmt.Errorf("updatekeys %s: %w", path, err)
	}
	return out, changed, nil
}

func (e *Engine) updateKeys(ctx context.Context, path string) (out []byte, changed bool, err error) {
	defer guard("updatekeys", &err)
	data, err := e.readFile(path)
	if err != nil {
		return nil, false, err
	}
	format := DetectFormat(path, data)
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
	groups, threshold, err := keyGroupsForFile(path)
	if err != nil {
		return nil, false, err
	}
	if err := e.checkAgePlugins(groups); err != nil {
		return nil, false, err
	}
	if sameKeyGroups(tree.Metadata.KeyGroups, groups) && threshold == tree.Metadata.ShamirThreshold {
		return data, false, nil
	}
	cipher := aes.NewCipher()
	dataKey, err := e.openTree(ctx, &tree, cipher)
	if err != nil {
		return nil, false, err
	}
	tree.Metadata.KeyGroups = groups
	tree.Metadata.ShamirThreshold = threshold
	if errs := tree.Metadata.UpdateMasterKeysWithKeyServices(dataKey, e.keyServices(ctx)); len(errs) > 0 {
		return nil, false, fmt.Errorf("could not encrypt the data key for every master key: %w", errors.Join(errs...))
	}
	out, err = e.checkOutput(reencrypt(&tree, format.store(sc), dataKey, cipher))
	return out, err == nil, err
}

func sameKeyGroups(a, b []sops.KeyGroup) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		seen := map[string]bool{}
		for _, k := range a[i] {
			seen[keyID(k)] = true
		}
		for _, k := range b[i] {
			if !seen[keyID(k)] {
				return false
			}
		}
	}
	return true
}

func keyID(k keys.MasterKey) string { return k.TypeToIdentifier() + ":" + k.ToString() }
