package urls_test

import (
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:pw@host/v.yaml":    "https://u:xxxxx@host/v.yaml",
		"https://TOKEN@host/v.yaml":   "https://xxxxx@host/v.yaml",
		"https://host/v.yaml?a=1":     "https://host/v.yaml?a=1",
		"secrets.yaml":                "secrets.yaml",
		"s3://me:p%20w@bucket/x.yaml": "s3://me:xxxxx@bucket/x.yaml",
		"https://u:p@w@h%zz/x":        "https://u:xxxxx@h%zz/x", // unparsable: everything before the last @
		"https://u:p:w@h/x":           "https://u:xxxxx@h/x",
		// Nested in a getter URL: before, the password was shown.
		"secrets://http://user:pass@host/v.yaml":                   "secrets://http://user:xxxxx@host/v.yaml",
		"secrets://?vals!https://TOKEN@host/v.yaml":                "secrets://?vals!https://xxxxx@host/v.yaml",
		"secrets+gpg-import://key.asc?https://user:pass@host/v":    "secrets+gpg-import://key.asc?https://user:xxxxx@host/v",
		"secrets+age-import://https://a:b@k/key.txt?https://c:d@h": "secrets+age-import://https://a:xxxxx@k/key.txt?https://c:xxxxx@h",
		// Anywhere in a string: arguments and messages.
		"--repo=https://u:pw@h/x":                        "--repo=https://u:xxxxx@h/x",
		"Error while download url https://u:pw@h/x: 404": "Error while download url https://u:xxxxx@h/x: 404",
		`{"url":"https://TOKEN@h"}`:                      `{"url":"https://xxxxx@h"}`,
		// A literal is the secret: nothing after the scheme is shown.
		"secrets+literal://s3cr3t-value":        "secrets+literal://…",
		"secrets+literal://vals!ref+echo://x":   "secrets+literal://…",
		"-f=secrets+literal://a b\nc":           "-f=secrets+literal://…",
		"SECRETS+LITERAL://x":                   "SECRETS+LITERAL://…",
		"secrets+literal://":                    "secrets+literal://",
		"dir/a@b.yaml":                          "dir/a@b.yaml",
		"git+https://github.com/x/y@v.yaml?r=1": "git+https://github.com/x/y@v.yaml?r=1",
	} {
		if got := urls.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRedact: no password of a URL, nested or not, survives.
func FuzzRedact(f *testing.F) {
	f.Add("secrets://https://", "pw-canary", "host/x")
	f.Add("--repo=s3://", "p@ss", "bucket")
	f.Fuzz(func(t *testing.T, prefix, pw, rest string) {
		const canary = "Zq9CANARY"
		in := prefix + "https://user:" + pw + canary + "@" + rest
		if strings.ContainsAny(pw, "/?# \t\n\r\v\f") {
			t.Skip() // ends the authority: not a password
		}
		if got := urls.Redact(in); strings.Contains(got, canary) {
			t.Fatalf("Redact(%q) = %q", in, got)
		}
		if got := urls.Redact("secrets+literal://" + rest + canary); strings.Contains(got, canary) {
			t.Fatalf("literal: %q", got)
		}
	})
}
