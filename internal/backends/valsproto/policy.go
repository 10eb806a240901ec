package valsproto

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// Policy is which vals providers a ref+ expression may use. A values file
// or a rendered manifest may come from someone who holds no key, so the
// default policy is narrow (DefaultProviders, SafeParams): secret stores
// reached with the user's own credentials at the address the user's
// environment configures, and only with the query parameters that cannot
// redirect them; ref+echo://; ref+file:// only for a file inside the
// working directory (FileRule); ref+envsubst:// only for the variables of
// DefaultEnvsubstAllow and HELM_SECRETS_VALS_ENVSUBST_ALLOW (EnvsubstRule).
// ref+exec:// (any command), ref+httpjson:// (any URL) and the rest are off
// until the user names them.
//
// The policy applies to every reference vals looks up, also to one that a
// nested reference produced (ref+ref+echo://exec://...): helm-secrets-vals
// evaluates nested references level by level and checks each result
// before it is looked up (internal/backends/valseval).
type Policy struct {
	// Providers, when set, are allowed with every query parameter and
	// without the file and envsubst rules (the user named them:
	// HELM_SECRETS_VALS_PROVIDERS). Without Default they are the only
	// providers allowed.
	Providers []string `json:"providers,omitempty"`
	// Default keeps the default policy for the providers Providers does
	// not name (HELM_SECRETS_VALS_PROVIDERS=default,exec). Empty Providers
	// means the default policy too.
	Default bool `json:"default,omitempty"`
	// All allows every provider and parameter (HELM_SECRETS_VALS_PROVIDERS=all:
	// the shell plugin's behaviour).
	All bool `json:"all,omitempty"`
}

// EnvProviders is the variable that sets the provider allow-list.
const EnvProviders = settings.EnvValsProviders

// EnvEnvsubstAllow is the variable that adds environment variables
// ref+envsubst:// may read under the default policy (a comma list).
const EnvEnvsubstAllow = settings.EnvValsEnvsubstAllow

// DefaultProviders are allowed when HELM_SECRETS_VALS_PROVIDERS is unset
// (or names "default"): secret stores reached with the user's own
// credentials at the address the user's environment configures, echo, and
// file and envsubst under their rules.
var DefaultProviders = []string{
	"echo", "file", "envsubst",
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
	"file":          {"encode"},
	"envsubst":      {},
	"azurekeyvault": {},
}

// why says what a provider off by default could do.
var why = map[string]string{
	"exec":     "it runs a command",
	"httpjson": "it fetches any URL",
	"sops":     "it decrypts any file with your keys",
	"tfstate":  "it reads any state file",
}

// ParsePolicy reads the value of HELM_SECRETS_VALS_PROVIDERS: empty means
// the default policy, "all" every provider, else a comma list, in which
// "default" keeps the default policy for the providers it does not name.
func ParsePolicy(list []string) Policy {
	var p Policy
	for _, n := range list {
		n = strings.ToLower(strings.TrimSpace(n))
		switch n {
		case "all":
			return Policy{All: true}
		case "default":
			p.Default = true
		case "":
		default:
			p.Providers = append(p.Providers, n)
		}
	}
	return p
}

// Listed reports whether the user named the provider (or allowed all):
// it is then used without the default rules (parameters, file paths,
// envsubst variables).
func (p Policy) Listed(provider string) bool {
	return p.All || slices.Contains(p.Providers, strings.ToLower(provider))
}

// defaults reports whether the default policy applies to providers the
// user did not name.
func (p Policy) defaults() bool { return p.Default || len(p.Providers) == 0 }

// Check reports whether a ref+PROVIDER:// expression with these query
// parameter names may be evaluated. Its error names the rule and says how
// to allow it. For "file" and "envsubst" under the default policy a nil
// error still leaves their own rule (FileRule, EnvsubstRule) to apply:
// Restricted says so.
func (p Policy) Check(provider string, params []string) error {
	provider = strings.ToLower(provider)
	if p.Listed(provider) {
		return nil
	}
	if !p.defaults() {
		return fmt.Errorf("vals provider %q is not allowed (%s=%s); to allow it, add it to that list", provider, EnvProviders, strings.Join(p.Providers, ","))
	}
	safe, ok := SafeParams[provider]
	if !ok || !slices.Contains(DefaultProviders, provider) {
		what := ""
		if w, ok := why[provider]; ok {
			what = " (" + w + ")"
		}
		return fmt.Errorf("vals provider %q is not allowed by default%s; to allow it, list it in %s (e.g. %s=default,%s)", provider, what, EnvProviders, EnvProviders, provider)
	}
	var refused []string
	for _, q := range params {
		if !slices.Contains(safe, q) {
			refused = append(refused, q)
		}
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		return fmt.Errorf("vals provider %q: query parameter(s) %s not allowed by default (they can redirect credentials or read local files: the address and credentials come from your environment); to allow them, list %q in %s", provider, strings.Join(refused, ", "), provider, EnvProviders)
	}
	return nil
}

// Restricted reports whether an allowed provider is under a rule of its
// own: file (FileRule) and envsubst (EnvsubstRule) under the default
// policy.
func (p Policy) Restricted(provider string) bool {
	provider = strings.ToLower(provider)
	return (provider == "file" || provider == "envsubst") && !p.Listed(provider)
}
