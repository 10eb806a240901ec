// Package pluginenv turns the settings (internal/foundation/settings, the one reader
// of the HELM_SECRETS_* variables) into the options of the machinery the
// two plugin binaries, cmd/helm-secrets and cmd/helm-secrets-getter, wire
// together. The libraries (pkg/...) and the machinery under internal/ take
// their settings as options.
package pluginenv

import (
	"os"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// AllowedBackends is HELM_SECRETS_ALLOWED_BACKENDS.
func AllowedBackends() []string { return settings.Load().AllowedBackends }

// ValsPolicy is HELM_SECRETS_VALS_PROVIDERS: the vals providers ref+
// expressions may use (empty: the default set; "all": every one).
func ValsPolicy() valsproto.Policy { return valsproto.ParsePolicy(settings.Load().ValsProviders) }

// ValsBinary is HELM_SECRETS_VALS_BINARY: the helm-secrets-vals program
// ("": the one next to the running binary).
func ValsBinary() string { return settings.Load().ValsBinary }

// Keys adds the key allow-lists to k: HELM_SECRETS_VAULT_ALLOWLIST
// (Keys.VaultAddresses) and HELM_SECRETS_AGE_PLUGIN_ALLOWLIST
// (Keys.AgePlugins).
func Keys(k encrypt.Keys) encrypt.Keys {
	s := settings.Load()
	k.VaultAddresses = append(k.VaultAddresses, s.VaultAllowlist...)
	k.AgePlugins = append(k.AgePlugins, s.AgePluginAllowlist...)
	return k
}

// Strict is HELM_SECRETS_STRICT=true: refuse values the sops MAC does not
// authenticate (encrypt.Options.Strict).
func Strict() bool { return settings.Load().Strict }

// LoadGPGKeys is HELM_SECRETS_LOAD_GPG_KEYS: space separated key files or
// directories; "false" means none.
func LoadGPGKeys() []string { return settings.Load().LoadGPGKeys }

// Getter returns the getter options the environment sets.
func Getter() getter.Options {
	s := settings.Load()
	return getter.Options{
		AllowedBackends: s.AllowedBackends,
		DefaultBackend:  s.Backend,
		IgnoreMissing:   s.IgnoreMissingValues,
		Paths:           pathpolicy.From(s),
		Imports: getter.ImportPolicy{
			DenyGPG:           s.DenyGPGImport,
			DenyGPGKubernetes: s.DenyGPGImportKubernetes,
			DenyAge:           s.DenyAgeImport,
			DenyAgeKubernetes: s.DenyAgeImportKubernetes,
		},
		KeyLocationPrefix:    s.KeyLocationPrefix,
		URLVariableExpansion: s.URLVariableExpansion,
		URLVariableAllowlist: s.URLVariableExpansionAllowlist,
		Strict:               s.Strict,
		Kube: getter.KubeOptions{
			Kubeconfig: os.Getenv("KUBECONFIG"),
			Context:    os.Getenv("HELM_KUBECONTEXT"),
			// No Namespace: a location without NS/ is looked up in the
			// kube context's namespace, as the shell plugin's kubectl
			// does, not in helm's --namespace (HELM_NAMESPACE).
		},
		LoadGPGKeys: s.LoadGPGKeys,
		GPG:         os.Getenv("SOPS_GPG_EXEC"),
	}
}

// AuditLog is HELM_SECRETS_AUDIT_LOG: the audit trail's file, "-" for
// stderr, "" for none (internal/foundation/audit, docs/audit.md).
func AuditLog() string { return settings.Load().AuditLog }
