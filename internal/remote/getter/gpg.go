package getter

import (
	"context"

	"github.com/helm-secrets/helm-secrets/internal/hardening/gpghome"
)

// importGPG imports key into a fresh private GNUPGHOME (see gpghome.Import).
func (o Options) importGPG(ctx context.Context, key []byte) (string, func(), error) {
	return gpghome.Import(ctx, gpghome.Options{GPG: o.GPG, GPGConf: o.GPGConf, GuardExecutable: o.GuardExecutable}, key)
}
