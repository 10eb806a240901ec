package helmwrap

import (
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

// RedactByDefault reports whether helm's output is masked when neither
// --redact nor HELM_SECRETS_REDACT says: on where people read the output
// (diff, dry runs and debug output: helmargs.PrintsValues, lint, get values/all, status, history),
// off where machines consume it (template, install, upgrade).
// args are helm's command and arguments; helmDebug is helm's own --debug
// (HELM_DEBUG, set by helm for plugins).
func RedactByDefault(args []string, helmDebug bool) bool {
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
	return helmDebug || helmargs.PrintsValues(args[1:])
}

// RedactSecrets turns the decrypted sources into the secrets to mask: the
// leaves of values documents, the whole content of the others (and the
// leaves of --set-json literals). A leaf that
// the encrypted file holds as is (left unencrypted by an encrypted_regex or
// _unencrypted rule) is public: it is not masked. readFile reads a source's
// encrypted file.
func RedactSecrets(pts []wrapper.Plaintext, readFile func(string) ([]byte, error)) []redact.Secret {
	var out []redact.Secret
	for _, p := range pts {
		if !p.Values {
			out = append(out, redact.Secret{Name: p.Source, Value: p.Content})
			if strings.HasPrefix(p.Source, helmargs.SetJSON.Name()) {
				// A JSON literal: helm prints its leaves, not the text.
				out = append(out, redact.Leaves(p.Source, p.Content)...)
			}
			continue
		}
		public := map[string]string{}
		// A URL source (fetched, not on disk) has every leaf masked.
		if !urls.HasScheme(p.Source) {
			if enc, err := readFile(p.Source); err == nil {
				for _, l := range redact.Leaves(p.Source, enc) {
					if v := string(l.Value); !strings.HasPrefix(v, "ENC[") {
						public[l.Name] = v
					}
				}
			}
		}
		for _, l := range redact.Leaves(p.Source, p.Content) {
			if v, ok := public[l.Name]; ok && v == string(l.Value) {
				continue
			}
			out = append(out, l)
		}
	}
	return out
}
