// Package settings is the one reader of the shell plugin's HELM_SECRETS_*
// variables, in the manner of Helm's pkg/cli EnvSettings: Load reads them
// all at once into a Settings value, and every binary and package takes
// its settings from there (or as options from its caller). Nothing else
// in this module calls os.Getenv for one of them; TestOnlyReader enforces
// it.
//
// Each variable is described once, in Vars, together with its lean-path
// policy: whether the lean getter and the lean wrapper (which link only
// the standard library, age and YAML) may handle a run with that value, or
// must hand it to the full binary. The fast path's tables derive from it.
//
// The package depends on the standard library only (and commalist), so
// the lean binaries may import it.
package settings

import (
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/commalist"
)

// The variables, by name. A name used anywhere else in the module (set
// for a child, shown in a message) is one of these constants.
const (
	EnvBackend                        = "HELM_SECRETS_BACKEND"
	EnvBackendArgs                    = "HELM_SECRETS_BACKEND_ARGS"
	EnvAllowedBackends                = "HELM_SECRETS_ALLOWED_BACKENDS"
	EnvQuiet                          = "HELM_SECRETS_QUIET"
	EnvDebug                          = "HELM_SECRETS_DEBUG"
	EnvDebugPanics                    = "HELM_SECRETS_DEBUG_PANICS"
	EnvTestMode                       = "HELM_SECRETS_TEST_MODE"
	EnvIgnoreMissingValues            = "HELM_SECRETS_IGNORE_MISSING_VALUES"
	EnvEvaluateTemplates              = "HELM_SECRETS_EVALUATE_TEMPLATES"
	EnvEvaluateTemplatesDecodeSecrets = "HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS"
	EnvDecryptSecretsInTmpDir         = "HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR"
	EnvDecPrefix                      = "HELM_SECRETS_DEC_PREFIX"
	EnvDecSuffix                      = "HELM_SECRETS_DEC_SUFFIX"
	EnvRedact                         = "HELM_SECRETS_REDACT"
	EnvCheckPlacement                 = "HELM_SECRETS_CHECK_PLACEMENT"
	EnvStrict                         = "HELM_SECRETS_STRICT"
	EnvAuditLog                       = "HELM_SECRETS_AUDIT_LOG"
	EnvLoadGPGKeys                    = "HELM_SECRETS_LOAD_GPG_KEYS"
	EnvHelmPath                       = "HELM_SECRETS_HELM_PATH"
	EnvValuesAllowSymlinks            = "HELM_SECRETS_VALUES_ALLOW_SYMLINKS"
	EnvValuesAllowAbsolutePath        = "HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH"
	EnvValuesAllowPathTraversal       = "HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL"
	EnvKeyLocationPrefix              = "HELM_SECRETS_KEY_LOCATION_PREFIX"
	EnvURLVariableExpansion           = "HELM_SECRETS_URL_VARIABLE_EXPANSION"
	EnvURLVariableExpansionAllowlist  = "HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST"
	EnvAllowGPGImport                 = "HELM_SECRETS_ALLOW_GPG_IMPORT"
	EnvAllowGPGImportKubernetes       = "HELM_SECRETS_ALLOW_GPG_IMPORT_KUBERNETES"
	EnvAllowAgeImport                 = "HELM_SECRETS_ALLOW_AGE_IMPORT"
	EnvAllowAgeImportKubernetes       = "HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES"
	EnvVaultAllowlist                 = "HELM_SECRETS_VAULT_ALLOWLIST"
	EnvAgePluginAllowlist             = "HELM_SECRETS_AGE_PLUGIN_ALLOWLIST"
	EnvValsProviders                  = "HELM_SECRETS_VALS_PROVIDERS"
	EnvValsBinary                     = "HELM_SECRETS_VALS_BINARY"
	EnvValsEnvsubstAllow              = "HELM_SECRETS_VALS_ENVSUBST_ALLOW"
	EnvPostRendererLog                = "HELM_SECRETS_POST_RENDERER_LOG"
	EnvRedactSocket                   = "HELM_SECRETS_REDACT_SOCKET"
	EnvPlacementSocket                = "HELM_SECRETS_PLACEMENT_SOCKET"
	EnvScriptDir                      = "HELM_SECRETS_SCRIPT_DIR"
	EnvSopsPath                       = "HELM_SECRETS_SOPS_PATH"
)

// Settings are the values of the HELM_SECRETS_* variables (and the few
// variables of Helm and Argo CD that change what they mean), as Load read
// them. Its zero value is the defaults.
type Settings struct {
	// Backend is the default backend's name ("" means sops).
	Backend string
	// BackendArgs are the backend's extra arguments.
	BackendArgs string
	// AllowedBackends, when set, are the only backends a run may use.
	AllowedBackends []string
	// Quiet turns informational messages off: HELM_SECRETS_QUIET other
	// than "false", or, when it is unset, inside Argo CD.
	Quiet bool
	// Debug: HELM_SECRETS_DEBUG set to anything but "", "0" or "false", or
	// Helm's HELM_DEBUG (helm --debug) "1" or "true".
	Debug bool
	// DebugPanics prints the stack of a recovered sops panic.
	DebugPanics bool
	// IgnoreMissingValues skips missing values files.
	IgnoreMissingValues bool
	// EvaluateTemplates evaluates vals references in rendered manifests.
	EvaluateTemplates bool
	// EvaluateTemplatesDecodeSecrets also evaluates inside Secrets' data.
	EvaluateTemplatesDecodeSecrets bool
	// DecryptSecretsInTmpDir is accepted for compatibility; nothing
	// decrypted is ever written.
	DecryptSecretsInTmpDir bool
	// Redact is the raw value of HELM_SECRETS_REDACT ("": the command's
	// default).
	Redact string
	// CheckPlacement is the raw value of HELM_SECRETS_CHECK_PLACEMENT ("":
	// off).
	CheckPlacement string
	// DecPrefix and DecSuffix name the shell plugin's .dec files (clean).
	DecPrefix, DecSuffix string
	// Strict refuses values the sops MAC does not authenticate.
	Strict bool
	// AuditLog is the audit trail's file, "-" for stderr, "" for none.
	AuditLog string
	// LoadGPGKeys are key files or folders to import (nil: none).
	LoadGPGKeys []string
	// HelmPath is the helm binary to run ("" : HELM_BIN, then PATH).
	HelmPath string
	// ValuesDenySymlinks, ValuesDenyAbsolute and ValuesDenyTraversal are
	// HELM_SECRETS_VALUES_ALLOW_*=false.
	ValuesDenySymlinks, ValuesDenyAbsolute, ValuesDenyTraversal bool
	// KeyLocationPrefix is where key files for the import protocols may
	// be read.
	KeyLocationPrefix string
	// URLVariableExpansion expands ${VAR} in remote values URLs.
	URLVariableExpansion bool
	// URLVariableExpansionAllowlist are the variables that may expand.
	URLVariableExpansionAllowlist []string
	// DenyGPGImport, DenyGPGImportKubernetes, DenyAgeImport and
	// DenyAgeImportKubernetes are HELM_SECRETS_ALLOW_*_IMPORT* set to
	// anything but "true".
	DenyGPGImport, DenyGPGImportKubernetes, DenyAgeImport, DenyAgeImportKubernetes bool
	// VaultAllowlist are Vault addresses a file's hc_vault key may name.
	VaultAllowlist []string
	// AgePluginAllowlist are the age plugins a file's key may run.
	AgePluginAllowlist []string
	// ValsProviders is the vals provider allow-list (empty: the default
	// policy; "all": every provider).
	ValsProviders []string
	// ValsEnvsubstAllow are the variables ref+envsubst:// may read under
	// the default vals policy, besides the default set.
	ValsEnvsubstAllow []string
	// ValsBinary is the helm-secrets-vals program ("": the one next to
	// the running binary).
	ValsBinary string
	// PostRendererLog is the file the Helm 4 post-renderer writes its
	// messages to (set by the wrapper for its helm).
	PostRendererLog string
	// SopsPath is the shell plugin's sops binary; sops runs in process
	// here, so it is only reported as ignored (Notices).
	SopsPath string
	// RedactSocket is where the post-renderer sends the values it
	// evaluated to the wrapper that masks helm's output (set by the
	// wrapper for its helm).
	RedactSocket string
	// PlacementSocket is where the post-renderer sends the manifests to
	// the placement check of the wrapper that runs helm install or
	// upgrade with --check-placement (set by the wrapper for its helm).
	PlacementSocket string
	// ArgoCD is set inside Argo CD (ARGOCD_APP_NAME).
	ArgoCD bool
}

// Notices are the one-line messages a run prints once, on stderr, unless
// quiet: settings of the shell plugin that have no effect here and that a
// user could otherwise believe are applied.
func (s Settings) Notices() []string {
	var out []string
	if s.SopsPath != "" {
		out = append(out, EnvSopsPath+" is ignored: sops runs inside helm-secrets, no sops binary is started")
	}
	return out
}

// Load reads the settings from the process environment.
func Load() Settings { return FromLookup(os.LookupEnv) }

// FromEnviron reads the settings from a list of KEY=VALUE pairs.
func FromEnviron(env []string) Settings {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return FromLookup(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

// FromLookup reads the settings through lookup (os.LookupEnv's shape).
func FromLookup(lookup func(string) (string, bool)) Settings {
	get := func(k string) string { v, _ := lookup(k); return v }
	allowed := func(k string) bool { v := get(k); return v == "" || v == "true" }
	s := Settings{
		Backend:                        get(EnvBackend),
		BackendArgs:                    get(EnvBackendArgs),
		AllowedBackends:                commalist.Split(get(EnvAllowedBackends)),
		DebugPanics:                    get(EnvDebugPanics) != "",
		IgnoreMissingValues:            get(EnvIgnoreMissingValues) == "true",
		EvaluateTemplates:              get(EnvEvaluateTemplates) == "true",
		EvaluateTemplatesDecodeSecrets: get(EnvEvaluateTemplatesDecodeSecrets) == "true",
		DecryptSecretsInTmpDir:         get(EnvDecryptSecretsInTmpDir) == "true",
		Redact:                         get(EnvRedact),
		CheckPlacement:                 get(EnvCheckPlacement),
		DecPrefix:                      get(EnvDecPrefix),
		DecSuffix:                      get(EnvDecSuffix),
		Strict:                         get(EnvStrict) == "true",
		AuditLog:                       get(EnvAuditLog),
		HelmPath:                       get(EnvHelmPath),
		ValuesDenySymlinks:             get(EnvValuesAllowSymlinks) == "false",
		ValuesDenyAbsolute:             get(EnvValuesAllowAbsolutePath) == "false",
		ValuesDenyTraversal:            get(EnvValuesAllowPathTraversal) == "false",
		KeyLocationPrefix:              get(EnvKeyLocationPrefix),
		URLVariableExpansion:           get(EnvURLVariableExpansion) == "true",
		URLVariableExpansionAllowlist:  commalist.Split(get(EnvURLVariableExpansionAllowlist)),
		DenyGPGImport:                  !allowed(EnvAllowGPGImport),
		DenyGPGImportKubernetes:        !allowed(EnvAllowGPGImportKubernetes),
		DenyAgeImport:                  !allowed(EnvAllowAgeImport),
		DenyAgeImportKubernetes:        !allowed(EnvAllowAgeImportKubernetes),
		VaultAllowlist:                 commalist.Split(get(EnvVaultAllowlist)),
		AgePluginAllowlist:             commalist.Split(get(EnvAgePluginAllowlist)),
		ValsProviders:                  commalist.Split(get(EnvValsProviders)),
		ValsBinary:                     get(EnvValsBinary),
		ValsEnvsubstAllow:              commalist.Split(get(EnvValsEnvsubstAllow)),
		PostRendererLog:                get(EnvPostRendererLog),
		SopsPath:                       get(EnvSopsPath),
		RedactSocket:                   get(EnvRedactSocket),
		PlacementSocket:                get(EnvPlacementSocket),
	}
	_, s.ArgoCD = lookup("ARGOCD_APP_NAME")
	quiet := get(EnvQuiet)
	if quiet == "" {
		quiet = "false"
		if s.ArgoCD {
			quiet = "true"
		}
	}
	s.Quiet = quiet != "false"
	switch get(EnvDebug) {
	case "", "0", "false":
		s.Debug = HelmDebug(get("HELM_DEBUG"))
	default:
		s.Debug = true
	}
	if v := get(EnvLoadGPGKeys); v != "false" {
		s.LoadGPGKeys = strings.Fields(v)
	}
	return s
}

// HelmDebug reports whether Helm's HELM_DEBUG value v turns debugging on.
func HelmDebug(v string) bool { return v == "1" || v == "true" }
