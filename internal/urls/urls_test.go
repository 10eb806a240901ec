package urls_test

import (
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/urls"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:pw@host/v.yaml":    "https://u:xxxxx@host/v.yaml",
		"https://TOKEN@host/v.yaml":   "https://xxxxx@host/v.yaml",
		"https://host/v.yaml?a=1":     "https://host/v.yaml?a=1",
		"secrets.yaml":                "secrets.yaml",
		"s3://me:p%20w@bucket/x.yaml": "s3://me:xxxxx@bucket/x.yaml",
		"https://u:p@w@h%zz/x":        "https://xxxxx@h%zz/x", // unparsable: everything before the last @
	} {
		if got := urls.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
