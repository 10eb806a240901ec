package helmwrap

import (
	"strings"
	"testing"
)

// TestRedactArgs: debug output never shows a value of a flag that may
// carry a secret, nor URL credentials.
func TestRedactArgs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"upgrade --set a=1 --set-file=k=f -f x.yaml --kube-token t -- --set",
			"upgrade --set <redacted> --set-file=<redacted> -f x.yaml --kube-token <redacted> -- --set"},
		// Before: the URL's password was printed.
		{"template c -f https://u:pw@host/v.yaml --repo https://u:pw@repo.example/charts",
			"template c -f https://u:xxxxx@host/v.yaml --repo https://u:xxxxx@repo.example/charts"},
		{"template c --repo=https://user:pw@h/x -f=secrets://https://u:pw@h/v.yaml",
			"template c --repo=https://user:xxxxx@h/x -f=secrets://https://u:xxxxx@h/v.yaml"},
		// Before: a literal and a URL nested in an import URL were printed.
		{"template c -f secrets+literal://s3cr3t -f secrets+gpg-import://k.asc?https://u:pw@h/v.yaml",
			"template c -f secrets+literal://… -f secrets+gpg-import://k.asc?https://u:xxxxx@h/v.yaml"},
		{"install r c --username u --password pw", "install r c --username u --password <redacted>"},
		// Before: --hide-secret (a switch) swallowed the next argument.
		{"template c --hide-secret -f v.yaml", "template c --hide-secret -f v.yaml"},
		{"template c --hide-secret c2", "template c --hide-secret c2"},
		{"registry login h --password-stdin --username u", "registry login h --password-stdin --username u"},
		// Before: registry login's -p (its --password) was printed.
		{"registry login h -u u -p pw", "registry login h -u u -p <redacted>"},
		{"template c -- -f https://u:pw@h/v.yaml", "template c -- -f https://u:xxxxx@h/v.yaml"},
	} {
		if got := strings.Join(redactArgs(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%s\ngot  %s\nwant %s", c.in, got, c.want)
		}
	}
}
