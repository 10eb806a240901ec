// Command helm-secrets-getter is the downloader of the secrets-getter
// plugin: Helm runs it once per secrets:// file, as
// `helm-secrets-getter CERT KEY CA URL`.
//
// Helm starts one process per file, so start-up time is the getter's cost.
// This binary links only age, YAML and the standard library (a few
// milliseconds to start, where the full helm-secrets binary links sops and
// the Helm SDK and needs ~70 ms). It decrypts the common case itself: a
// local secrets:// YAML file whose data key is wrapped for age, with the
// age identities of the environment (internal/sopslite, MAC verified,
// output byte for byte that of `sops --decrypt`). Every other case, and
// every failure, is handed unchanged to `helm-secrets downloader` next to
// it, which gives the authoritative output or error: this binary never
// prints an error of its own for a value it could not decrypt.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/audit"
	"github.com/helm-secrets/helm-secrets/internal/limits"
	"github.com/helm-secrets/helm-secrets/internal/nodump"
	"github.com/helm-secrets/helm-secrets/internal/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/regularfile"
	"github.com/helm-secrets/helm-secrets/internal/sopslite"
	"github.com/helm-secrets/helm-secrets/internal/version"
)

// maxInputSize is the full engine's default cap (encrypt.DefaultMaxInputSize).
const maxInputSize = 32 << 20

func main() {
	// No core dump and no same-user ptrace of a process holding plaintext.
	_ = nodump.NotDumpable()
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-v") {
		os.Stdout.WriteString(version.String() + "\n")
		return
	}
	if out, ok := fastPath(os.Args[1:]); ok {
		if _, err := os.Stdout.Write(out); err != nil {
			os.Exit(1)
		}
		return
	}
	os.Exit(handOff(os.Args[1:]))
}

// fullBinary is the helm-secrets binary next to this one.
func fullBinary() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	name := "helm-secrets"
	if strings.HasSuffix(strings.ToLower(self), ".exe") {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), nil
}

// fastPath returns the plaintext when this binary can produce exactly what
// the full downloader would, and false otherwise.
func fastPath(args []string) ([]byte, bool) {
	if len(args) != 4 {
		return nil, false
	}
	path, ok := strings.CutPrefix(args[3], "secrets://")
	// "?" (ignore missing), NAME! (backend) and URLs are the full
	// downloader's.
	if !ok || path == "" || path[0] == '?' || strings.ContainsAny(path, "!") || strings.Contains(path, "://") {
		return nil, false
	}
	if !envAllows(os.Environ()) || pathpolicy.FromEnv().Check(path) != nil {
		return nil, false
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".yaml" && ext != ".yml" {
		return nil, false
	}
	// Only a regular file under the cap (a FIFO does not block: the
	// open is non-blocking), nested no deeper than the engine accepts.
	data, err := regularfile.ReadAll(path, maxInputSize)
	if err != nil || limits.CheckYAMLDepth(data) != nil || storesConfigured(path) {
		return nil, false
	}
	ids := sopslite.EnvIdentities()
	if len(ids) == 0 {
		return nil, false
	}
	// HELM_SECRETS_STRICT: the same check as the engine's Options.Strict;
	// a refusal hands off, and the full binary gives the error.
	out, err := sopslite.Options{Strict: os.Getenv("HELM_SECRETS_STRICT") == "true"}.DecryptYAML(data, ids)
	if err != nil {
		return nil, false
	}
	// HELM_SECRETS_AUDIT_LOG: the event before the plaintext goes out; if
	// it cannot be written, the full binary gives the error.
	if err := recordAudit(path, data, ids); err != nil {
		return nil, false
	}
	return out, true
}

// recordAudit writes the audit event of a fast-path decryption
// (internal/audit) when HELM_SECRETS_AUDIT_LOG is set. The keys named are
// the recipients of the available age identities that the file lists.
func recordAudit(path string, data []byte, ids []age.Identity) error {
	l, err := audit.Open(os.Getenv("HELM_SECRETS_AUDIT_LOG"))
	if err != nil || !l.Enabled() {
		return err
	}
	defer l.Close()
	var keys []string
	ours, _ := sopslite.Recipients(ids)
	for r := range ours {
		if bytes.Contains(data, []byte(r)) {
			keys = append(keys, "age "+r)
		}
	}
	slices.Sort(keys)
	return l.Record("decrypt", "getter", "secrets://"+path, keys, nil)
}

// downloaderEnv lists every HELM_SECRETS_* variable the full binary
// reads (TestDownloaderEnvIsComplete keeps it complete) with a check that
// a value leaves the downloader's output, for a file the fast path
// handles, unchanged. Variables the full binary does not read cannot
// change its output and are ignored.
var downloaderEnv = map[string]func(v string) bool{
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
	// Set by us for custom backend scripts (the wrapper's), never read:
	"HELM_SECRETS_SCRIPT_DIR": anyValue,
}

func unset(v string) bool  { return v == "" }
func off(v string) bool    { return v == "" || v == "false" || v == "0" }
func anyValue(string) bool { return true }

// envAllows reports whether the environment leaves the full downloader's
// output at what the fast path produces.
func envAllows(env []string) bool {
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		ok := true
		if check, known := downloaderEnv[name]; known {
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

// storesConfigured reports whether the .sops.yaml that applies to path
// (the one the engine would use) has a stores section, which changes sops'
// output format, or cannot be read.
func storesConfigured(path string) bool {
	conf := sopslite.ConfigFileFor(path)
	if conf == "" {
		return false
	}
	b, err := limits.ReadConfig(conf)
	if err != nil {
		return true
	}
	var c map[string]any
	if err := yaml.Unmarshal(b, &c); err != nil {
		return true
	}
	_, has := c["stores"]
	return has
}
