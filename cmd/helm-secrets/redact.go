package main

import (
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/redact"
	"github.com/helm-secrets/helm-secrets/internal/wrapper"
)

// redactByDefault reports whether helm's output is masked when neither
// --redact nor HELM_SECRETS_REDACT says: on where people read the output
// (diff, dry runs, debug output, lint, get values/all, status, history),
// off where machines consume it (template, install, upgrade).
// args are helm's command and arguments; helmDebug is helm's own --debug
// (HELM_DEBUG, set by helm for plugins).
func redactByDefault(args []string, helmDebug bool) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "diff", "lint", "status", "history":
		return true
	case "get":
		// The subcommand may follow flags (get -n ns values r); a release
		// named "all" or "values" errs on the safe side.
		for _, a := range args[1:] {
			if a == "values" || a == "all" {
				return true
			}
		}
	}
	if helmDebug {
		return true
	}
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		name, value, _ := strings.Cut(a, "=")
		if a == "--debug" || (name == "--dry-run" && value != "false") {
			return true
		}
	}
	return false
}

// redactSecrets turns the decrypted sources into the secrets to mask: the
// leaves of values documents, the whole content of the others.
func redactSecrets(pts []wrapper.Plaintext) []redact.Secret {
	var out []redact.Secret
	for _, p := range pts {
		if p.Values {
			out = append(out, redact.Leaves(p.Source, p.Content)...)
		} else {
			out = append(out, redact.Secret{Name: p.Source, Value: p.Content})
		}
	}
	return out
}
