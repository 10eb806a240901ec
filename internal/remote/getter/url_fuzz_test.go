package getter

import (
	"net/url"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

// FuzzParseURL feeds arbitrary URLs to the getter's parser. It must
// never panic, and a parsed URL must account for every byte of the input:
// scheme, "?", NAME!, KEY? and the source, in that order.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"secrets://a.yaml", "secrets://?noop!a.yaml", "secrets+literal://ENC[x]",
		"secrets+age-import://key.txt?a.yaml", "secrets+age-import-kubernetes://ns/s#k?https://h/a.yaml",
		"secrets+gpg-import://?k?a", "secrets+gpg-import://k", "secrets://!!", "http://x", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ParseURL(raw)
		if err != nil {
			return
		}
		rest := u.Source
		if hasKey(u.Scheme) {
			if strings.Contains(u.Key, "?") {
				t.Fatalf("%q: key %q holds the key/source separator", raw, u.Key)
			}
			rest = u.Key + "?" + rest
		}
		head := u.Scheme + "://"
		if u.IgnoreMissing {
			head += "?"
		}
		if strings.Contains(u.Backend, "!") {
			t.Fatalf("%q: backend %q holds '!'", raw, u.Backend)
		}
		// An empty NAME ("!x") selects the default backend.
		if raw != head+u.Backend+"!"+rest && (u.Backend != "" || raw != head+rest) {
			t.Fatalf("%q parsed to %+v, which does not account for the input", raw, u)
		}
		if u.IsKubernetes() {
			r := ParseKubeSecretRef(u.Key)
			if !strings.Contains(u.Key, r.Name) || !strings.Contains(u.Key, r.Key) {
				t.Fatalf("%q: secret ref %+v not in %q", raw, r, u.Key)
			}
		}
		// Messages name the source redacted: a URL's password never shows.
		if pu, err := url.Parse(u.Source); err == nil && pu.User != nil && urls.HasScheme(u.Source) {
			if pw, ok := pu.User.Password(); ok && pw != "" && strings.Contains(urls.Redact(u.Source), ":"+pw+"@") {
				t.Fatalf("%q: redacted source %q shows the password", raw, urls.Redact(u.Source))
			}
		}
	})
}
