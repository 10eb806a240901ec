package getter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/helm-secrets/helm-secrets/internal/regularfile"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// maxKeySize caps a key file or a key read from a Secret.
const maxKeySize = 1 << 20

// importKeys returns an engine that decrypts with the key u names, and a
// cleanup that removes every trace of it (always non-nil when err is nil).
func (o Options) importKeys(ctx context.Context, u URL) (*encrypt.Engine, func(), error) {
	var key []byte
	switch u.Scheme {
	case SchemeAgeImport, SchemeGPGImport:
		b, err := readKeyFile(u.Key)
		if err != nil {
			return nil, nil, err
		}
		key = b
	case SchemeAgeImportKubernetes, SchemeGPGImportKubernetes:
		ref := ParseKubeSecretRef(u.Key)
		b, err := o.Kube.secretKey(ctx, ref)
		if err != nil {
			if errors.Is(err, errNoSuchKey) {
				if u.Scheme == SchemeAgeImportKubernetes {
					return nil, nil, fmt.Errorf("Couldn't find key %s in kubernetes secret %s", ref.Key, ref.Name)
				}
				return nil, nil, fmt.Errorf("Couldn't find key %s in secret %s", ref.Key, ref.Name)
			}
			return nil, nil, errors.Join(fmt.Errorf("Couldn't get kubernetes secret %s", ref.display()), err)
		}
		key = b
	default:
		if len(o.LoadGPGKeys) == 0 {
			return o.Engine, func() {}, nil
		}
		b, err := readKeyFiles(o.LoadGPGKeys)
		if err != nil {
			return nil, nil, err
		}
		key = b
	}
	defer clear(key)

	if u.Scheme == SchemeAgeImport || u.Scheme == SchemeAgeImportKubernetes {
		ids, err := encrypt.ParseAgeIdentities(string(key))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", keyDisplay(u), err)
		}
		if len(ids) == 0 {
			return nil, nil, fmt.Errorf("%s: no age identity found", keyDisplay(u))
		}
		eng := encrypt.New(encrypt.Options{
			Keys:         encrypt.Keys{AgeIdentities: ids, NoEnvironment: true},
			MaxInputSize: o.MaxSize,
			Strict:       o.Strict,
		})
		return eng, func() {}, nil
	}

	home, cleanup, err := o.importGPG(ctx, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", keyDisplay(u), err)
	}
	eng := encrypt.New(encrypt.Options{
		Keys:         encrypt.Keys{GnuPGHome: home},
		MaxInputSize: o.MaxSize,
		Strict:       o.Strict,
	})
	return eng, cleanup, nil
}

// readKeyFiles reads HELM_SECRETS_LOAD_GPG_KEYS: files, and the regular
// files directly inside directories, concatenated (gpg imports them all).
func readKeyFiles(paths []string) ([]byte, error) {
	var all []byte
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
			}
			for _, e := range entries {
				if e.Type().IsRegular() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			b, err := readKeyFile(f)
			if err != nil {
				return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
			}
			all = append(append(all, b...), '\n')
			clear(b)
		}
	}
	return all, nil
}

func keyDisplay(u URL) string {
	if u.Scheme == SchemeSecrets {
		return "HELM_SECRETS_LOAD_GPG_KEYS"
	}
	if u.IsKubernetes() {
		return "key " + u.Key
	}
	return "key file " + u.Key
}

// readKeyFile reads a key file, size-capped.
func readKeyFile(p string) ([]byte, error) {
	// A regular file (a FIFO or device must not block the run) of at most
	// maxKeySize bytes.
	b, err := regularfile.ReadAll(p, maxKeySize)
	if errors.Is(err, regularfile.ErrTooLarge) {
		return nil, fmt.Errorf("key file %s: over %d bytes", p, maxKeySize)
	}
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return b, nil
}
