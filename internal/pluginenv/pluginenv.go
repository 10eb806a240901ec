// Package pluginenv reads the shell plugin's HELM_SECRETS_* variables (and
// the ones Helm passes to plugins) for the two plugin binaries,
// cmd/helm-secrets and cmd/helm-secrets-getter. It is the only package
// besides those binaries that reads them: the libraries (pkg/...) and the
// machinery under internal/ take their settings as options.
package pluginenv

import (
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/commalist"
	"github.com/helm-secrets/helm-secrets/internal/getter"
	"github.com/helm-secrets/helm-secrets/internal/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/valsproto"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// allowed reports whether an HELM_SECRETS_ALLOW_* variable permits: unset
// or empty means the default "true"; any other value than exactly "true"
// refuses (the shell plugin's `${VAR:-true}` != "true").
func allowed(name string) bool {
	v := os.Getenv(name)
	return v == "" || v == "true"
}

// AllowedBackends is HELM_SECRETS_ALLOWED_BACKENDS.
func AllowedBackends() []string { return commalist.Split(os.Getenv("HELM_SECRETS_ALLOWED_BACKENDS")) }

// ValsPolicy is HELM_SECRETS_VALS_PROVIDERS: the vals providers ref+
// expressions may use (empty: the default set; "all": every one).
func ValsPolicy() valsproto.Policy {
	return valsproto.ParsePolicy(commalist.Split(os.Getenv(valsproto.EnvProviders)))
}

// ValsBinary is HELM_SECRETS_VALS_BINARY: the helm-secrets-vals program
// ("": the one next to the running binary).
func ValsBinary() string { return os.Getenv("HELM_SECRETS_VALS_BINARY") }

// Keys adds the key allow-lists to k: HELM_SECRETS_VAULT_ALLOWLIST
// (Keys.VaultAddresses) and HELM_SECRETS_AGE_PLUGIN_ALLOWLIST
// (Keys.AgePlugins).
func Keys(k encrypt.Keys) encrypt.Keys {
	k.VaultAddresses = append(k.VaultAddresses, commalist.Split(os.Getenv("HELM_SECRETS_VAULT_ALLOWLIST"))...)
	k.AgePlugins = append(k.AgePlugins, commalist.Split(os.Getenv("HELM_SECRETS_AGE_PLUGIN_ALLOWLIST"))...)
	return k
}

// Strict is HELM_SECRETS_STRICT=true: refuse values the sops MAC does not
// authenticate (encrypt.Options.Strict).
func Strict() bool { return os.Getenv("HELM_SECRETS_STRICT") == "true" }

// LoadGPGKeys is HELM_SECRETS_LOAD_GPG_KEYS: space separated key files or
// directories; "false" means none.
func LoadGPGKeys() []string {
	v := os.Getenv("HELM_SECRETS_LOAD_GPG_KEYS")
	if v == "false" {
		return nil
	}
	return strings.Fields(v)
}

// Getter returns the getter options the environment sets.
func Getter() getter.Options {
	return getter.Options{
		AllowedBackends: AllowedBackends(),
		DefaultBackend:  os.Getenv("HELM_SECRETS_BACKEND"),
		IgnoreMissing:   os.Getenv("HELM_SECRETS_IGNORE_MISSING_VALUES") == "true",
		Paths:           pathpolicy.FromEnv(),
		Imports: getter.ImportPolicy{
			DenyGPG:           !allowed("HELM_SECRETS_ALLOW_GPG_IMPORT"),
			DenyGPGKubernetes: !allowed("HELM_SECRETS_ALLOW_GPG_IMPORT_KUBERNETES"),
			DenyAge:           !allowed("HELM_SECRETS_ALLOW_AGE_IMPORT"),
			DenyAgeKubernetes: !allowed("HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES"),
		},
		KeyLocationPrefix:    os.Getenv("HELM_SECRETS_KEY_LOCATION_PREFIX"),
		URLVariableExpansion: os.Getenv("HELM_SECRETS_URL_VARIABLE_EXPANSION") == "true",
		URLVariableAllowlist: commalist.Split(os.Getenv("HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST")),
		Strict:               Strict(),
		Kube: getter.KubeOptions{
			Kubeconfig: os.Getenv("KUBECONFIG"),
			Context:    os.Getenv("HELM_KUBECONTEXT"),
			Namespace:  os.Getenv("HELM_NAMESPACE"),
		},
		LoadGPGKeys: LoadGPGKeys(),
		GPG:         os.Getenv("SOPS_GPG_EXEC"),
	}
}

// AuditLog is HELM_SECRETS_AUDIT_LOG: the audit trail's file, "-" for
// stderr, "" for none (internal/audit, docs/audit.md).
func AuditLog() string { return os.Getenv("HELM_SECRETS_AUDIT_LOG") }
