package valsproto

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/settings"
)

// Policy is which vals providers a ref+ expression may use. A values file
// or a rendered manifest may come from someone who holds no key, so by
// default only providers that read a secret store the user's own
// credentials and configuration point at are on, and only with the query
// parameters that cannot redirect them (DefaultProviders, SafeParams):
// ref+file:// (any local file), ref+exec:// (any command), ref+envsubst://
// (the environment), ref+httpjson:// (any URL) and the rest are off until
// the user names them.
type Policy struct {
	// Providers, when set, are the only providers allowed, with every
	// query parameter (the user named them: HELM_SECRETS_VALS_PROVIDERS).
	// Empty means the default policy.
	Providers []string `json:"providers,omitempty"`
	// All allows every provider and parameter (HELM_SECRETS_VALS_PROVIDERS=all:
	// the shell plugin's behaviour).
	All bool `json:"all,omitempty"`
}

// EnvProviders is the variable that sets the provider allow-list.
const EnvProviders = settings.EnvValsProviders

// DefaultProviders are allowed when HELM_SECRETS_VALS_PROVIDERS is unset:
// secret stores reached with the user's own credentials at the address
// the user's environment configures.
var DefaultProviders = []string{
	"echo",
	"vault", "openbao",
	"awssecrets", "awsssm", "awskms", "s3",
	"gcpsecrets", "gkms", "gcs",
	"azurekeyvault",
	"k8s",
}

// SafeParams are the query parameters a default provider may take: none of
// them changes the address the user's credentials are sent to, reads a
// local file or another environment variable (vault's address, host,
// proto, token_file, token_env, password_file, password_env and k8s'
// kubeConfigPath are refused).
var SafeParams = map[string][]string{
	"vault":         {"version", "namespace", "auth_method", "role_id", "secret_id", "username", "decode"},
	"openbao":       {"version", "namespace", "auth_method", "role_id", "secret_id", "username", "decode"},
	"awssecrets":    {"profile", "region", "role_arn", "version_id", "version_stage"},
	"awsssm":        {"mode", "profile", "recursive", "region", "role_arn", "version"},
	"awskms":        {"alg", "context", "key", "profile", "region", "role_arn"},
	"s3":            {"profile", "region", "role_arn", "version", "version_id"},
	"gcpsecrets":    {"fallback_value", "optional", "trim_nl", "version"},
	"gkms":          {"crypto_key", "keyring", "location", "project"},
	"gcs":           {"generation"},
	"k8s":           {"kubeContext"},
	"echo":          {},
	"azurekeyvault": {},
}

// ParsePolicy reads the value of HELM_SECRETS_VALS_PROVIDERS: empty means
// the default policy, "all" every provider, else a comma list.
func ParsePolicy(list []string) Policy {
	var names []string
	for _, n := range list {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "all" {
			return Policy{All: true}
		}
		if n != "" {
			names = append(names, n)
		}
	}
	return Policy{Providers: names}
}

// Check reports whether a ref+PROVIDER:// expression with these query
// parameter names may be evaluated. Its error says how to allow it.
func (p Policy) Check(provider string, params []string) error {
	provider = strings.ToLower(provider)
	switch {
	case p.All:
		return nil
	case len(p.Providers) > 0:
		if slices.Contains(p.Providers, provider) {
			return nil
		}
		return fmt.Errorf("vals provider %q is not allowed (%s=%s)", provider, EnvProviders, strings.Join(p.Providers, ","))
	}
	safe, ok := SafeParams[provider]
	if !ok || !slices.Contains(DefaultProviders, provider) {
		return fmt.Errorf("vals provider %q is not allowed by default; to allow it, list it in %s", provider, EnvProviders)
	}
	var refused []string
	for _, q := range params {
		if !slices.Contains(safe, q) {
			refused = append(refused, q)
		}
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		return fmt.Errorf("vals provider %q: query parameter(s) %s not allowed by default (they can redirect credentials or read local files); to allow them, list %q in %s", provider, strings.Join(refused, ", "), provider, EnvProviders)
	}
	return nil
}
