package fastpath

import (
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// table maps each variable the full binary reads to a lean policy.
func table(pick func(settings.Var) settings.Lean) map[string]func(string) bool {
	m := make(map[string]func(string) bool, len(settings.Vars))
	for _, v := range settings.Vars {
		m[v.Name] = pick(v)
	}
	return m
}

// Getter lists every HELM_SECRETS_* variable the full binary reads
// (TestEnvIsComplete keeps it complete) with a check that a value leaves
// the downloader's output, for a file the fast path handles, unchanged.
// It is derived from settings.Vars, where each variable is described once.
var Getter = table(func(v settings.Var) settings.Lean { return v.Getter })

// Wrapper is Getter for the wrapper's fast path (`helm secrets template
// ...` with local files): the same checks, except for the settings the
// wrapper applies or needs the full binary for.
var Wrapper = table(func(v settings.Var) settings.Lean { return v.Wrapper })

// Allows reports whether, by table, env leaves the full binary's output
// at what the fast path produces.
func Allows(table map[string]func(string) bool, env []string) bool {
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		ok := true
		if check, known := table[name]; known {
			ok = check(v)
		} else if name == "HELM_DEBUG" {
			ok = v == "" || v == "false" || v == "0"
		}
		if !ok {
			return false
		}
	}
	return true
}

// Quiet reports whether the wrapper's informational messages are off
// (settings.Settings.Quiet).
func Quiet() bool { return settings.Load().Quiet }
