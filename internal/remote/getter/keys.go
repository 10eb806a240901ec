package getter

import (
	"context"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/gpghome"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// importKeys returns an engine that decrypts with the key u names, and a
// cleanup that removes every trace of it (always non-nil when err is nil).
func (o Options) importKeys(ctx context.Context, u URL) (*encrypt.Engine, func(), error) {
	var key []byte
	switch u.Scheme {
	case SchemeAgeImport, SchemeGPGImport:
		b, err := gpghome.ReadKeyFile(u.Key)
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
		b, err := gpghome.ReadKeyFiles(o.LoadGPGKeys)
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
		// Only the imported age identities (ids is not empty, so the
		// environment's age keys are not looked up); the file's other
		// master keys use the environment's credentials, as with the shell
		// plugin. NoEnvironment would refuse those.
		eng := encrypt.New(encrypt.Options{
			Keys:         encrypt.Keys{AgeIdentities: ids},
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

func keyDisplay(u URL) string {
	if u.Scheme == SchemeSecrets {
		return settings.EnvLoadGPGKeys
	}
	if u.IsKubernetes() {
		return "key " + u.Key
	}
	return "key file " + u.Key
}
