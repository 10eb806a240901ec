// Package commalist splits comma-separated settings such as
// HELM_SECRETS_ALLOWED_BACKENDS and SOPS_AGE_RECIPIENTS.
package commalist

import "strings"

// Split splits s on commas, trimming spaces and dropping empty items.
func Split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
