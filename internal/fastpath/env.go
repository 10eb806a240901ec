package fastpath

import (
	"maps"
	"os"
	"strings"
)

// Getter lists every HELM_SECRETS_* variable the full binary
// reads (TestEnvIsComplete keeps it complete) with a check that
// a value leaves the downloader's output, for a file the fast path
// handles, unchanged. Variables the full binary does not read cannot
// change its output and are ignored.
var Getter = map[string]func(v string) bool{
	"HELM_SECRETS_BACKEND":          func(v string) bool { return v == "" || v == "sops" },
	"HELM_SECRETS_ALLOWED_BACKENDS": unset,
	"HELM_SECRETS_BACKEND_ARGS":     unset,
	"HELM_SECRETS_LOAD_GPG_KEYS":    func(v string) bool { return v == "" || v == "false" },
	"HELM_SECRETS_DEBUG":            off,
	"HELM_SECRETS_DEBUG_PANICS":     unset,
	"HELM_SECRETS_TEST_MODE":        unset,
	// Applied by the fast path itself (sopslite.Options.Strict, pathpolicy,
	// internal/audit):
	"HELM_SECRETS_STRICT":                      anyValue,
	"HELM_SECRETS_AUDIT_LOG":                   anyValue,
	"HELM_SECRETS_VALUES_ALLOW_SYMLINKS":       anyValue,
	"HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH":  anyValue,
	"HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL": anyValue,
	// Only for missing files, key imports, URLs and Vault keys, which
	// are handed off:
	"HELM_SECRETS_IGNORE_MISSING_VALUES":            anyValue,
	"HELM_SECRETS_KEY_LOCATION_PREFIX":              anyValue,
	"HELM_SECRETS_URL_VARIABLE_EXPANSION":           anyValue,
	"HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST": anyValue,
	"HELM_SECRETS_ALLOW_GPG_IMPORT":                 anyValue,
	"HELM_SECRETS_ALLOW_GPG_IMPORT_KUBERNETES":      anyValue,
	"HELM_SECRETS_ALLOW_AGE_IMPORT":                 anyValue,
	"HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES":      anyValue,
	"HELM_SECRETS_VAULT_ALLOWLIST":                  anyValue,
	"HELM_SECRETS_AGE_PLUGIN_ALLOWLIST":             anyValue,
	// Only for the vals backend (vals! sources and HELM_SECRETS_BACKEND=vals
	// are handed off):
	"HELM_SECRETS_VALS_PROVIDERS": anyValue,
	"HELM_SECRETS_VALS_BINARY":    anyValue,
	// Set by the wrapper for the Helm 4 post-renderer:
	"HELM_SECRETS_POST_RENDERER_LOG": anyValue,
	// Messages on failure (handed off) and the wrapper's settings:
	"HELM_SECRETS_QUIET":                             anyValue,
	"HELM_SECRETS_HELM_PATH":                         anyValue,
	"HELM_SECRETS_EVALUATE_TEMPLATES":                anyValue,
	"HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS": anyValue,
	"HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR":        anyValue,
	"HELM_SECRETS_DEC_PREFIX":                        anyValue,
	"HELM_SECRETS_DEC_SUFFIX":                        anyValue,
	"HELM_SECRETS_REDACT":                            anyValue,
	"HELM_SECRETS_CHECK_PLACEMENT":                   anyValue,
	// Set by us for custom backend scripts (the wrapper's), never read:
	"HELM_SECRETS_SCRIPT_DIR": anyValue,
}

func unset(v string) bool  { return v == "" }
func off(v string) bool    { return v == "" || v == "false" || v == "0" }
func anyValue(string) bool { return true }

// Allows reports whether, by table, env leaves the full binary's output
// at what the fast path produces.
func Allows(table map[string]func(string) bool, env []string) bool {
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		ok := true
		if check, known := table[name]; known {
			ok = check(v)
		} else if name == "HELM_DEBUG" {
			ok = off(v)
		}
		if !ok {
			return false
		}
	}
	return true
}

// Wrapper is Getter for the wrapper's fast path (`helm secrets template
// ...` with local files): the same checks, except for the settings the
// wrapper applies or needs the full binary for.
var Wrapper = func() map[string]func(string) bool {
	m := maps.Clone(Getter)
	// Applied by the lean wrapper itself: messages and the helm binary.
	m["HELM_SECRETS_QUIET"] = anyValue
	m["HELM_SECRETS_HELM_PATH"] = anyValue
	// The full wrapper's: the post-renderer, redaction and audit events.
	m["HELM_SECRETS_EVALUATE_TEMPLATES"] = off
	m["HELM_SECRETS_REDACT"] = func(v string) bool { return v == "" || v == "false" }
	m["HELM_SECRETS_AUDIT_LOG"] = unset
	// The full wrapper's placement check of helm's output.
	m["HELM_SECRETS_CHECK_PLACEMENT"] = func(v string) bool { return v == "" || v == "false" || v == "off" }
	return m
}()

// Quiet reports whether the wrapper's informational messages are off:
// HELM_SECRETS_QUIET other than "false", or, when it is unset, inside Argo
// CD (ARGOCD_APP_NAME set), as in the shell plugin.
func Quiet() bool {
	quiet := os.Getenv("HELM_SECRETS_QUIET")
	if quiet == "" {
		quiet = "false"
		if _, argo := os.LookupEnv("ARGOCD_APP_NAME"); argo {
			quiet = "true"
		}
	}
	return quiet != "false"
}
