//go:build unix

package released_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/released"
)

// fakeHelm answers `helm get values REL [--revision R] --output yaml` and
// records its arguments, one call a line. It knows the release app (in
// any namespace; revision 9 does not exist) and the release other in the
// namespace ns2; any other fails, as helm does. The stored password names
// the release and revision; the token is the same in all.
func fakeHelm(t *testing.T) (helm, log string) {
	dir := t.TempDir()
	log = filepath.Join(dir, "args")
	helm = filepath.Join(dir, "helm")
	script := `#!/bin/sh
echo "$@" >>` + log + `
rel=$3 rev=latest ns= prev=
for a in "$@"; do
	[ "$prev" = --revision ] && rev=$a
	case $a in --namespace=*) ns=${a#--namespace=} ;; esac
	prev=$a
done
case "$rel:$ns:$rev" in
app:*:9) echo 'Error: release: not found' >&2; exit 1 ;;
app:*|other:ns2:*) ;;
*) echo 'Error: release: not found' >&2; exit 1 ;;
esac
printf 'db:\n  host: db.example\n  password: %s-%s-Secret\nreplicas: 2\ntoken: same-Token-77\n' "$rel" "$rev"
`
	if err := os.WriteFile(helm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return helm, log
}

// TestSecrets: for each command line that prints stored releases, the
// `helm get values` calls (the connection flags passed on) and the stored
// values found at the secret key paths, each value once.
func TestSecrets(t *testing.T) {
	secrets := append(redact.Leaves("secrets.yaml", []byte("db:\n  password: new-Secret-2\ntoken: t\n")), redact.Secret{Name: "--set x", Value: []byte("y")})
	paths := released.KeyPaths(secrets, []string{"secrets.yaml"})
	if len(paths) != 2 || !paths["db.password"] || !paths["token"] {
		t.Fatalf("KeyPaths = %v", paths)
	}
	const token = "token=same-Token-77"
	for _, tc := range []struct {
		args  string
		calls []string // sorted
		found []string // NAME=VALUE, in order
	}{
		{"diff upgrade --namespace ns --context 3 app ./chart -f secrets.yaml --kube-context=kc",
			[]string{"get values app --output yaml --namespace=ns --kube-context=kc"},
			[]string{"release app:db.password=app-latest-Secret", "release app:" + token}},
		{"diff revision app 1 2 -f secrets.yaml --show-secrets",
			[]string{"get values app --revision 1 --output yaml", "get values app --revision 2 --output yaml"},
			[]string{"release app revision 1:db.password=app-1-Secret", "release app revision 1:" + token, "release app revision 2:db.password=app-2-Secret"}},
		// One revision: it and the latest. helm-diff reads "x" as 0 (the latest).
		{"diff revision --kubeconfig /k -fsecrets.yaml app 2",
			[]string{"get values app --output yaml --kubeconfig=/k", "get values app --revision 2 --output yaml --kubeconfig=/k"},
			[]string{"release app:db.password=app-latest-Secret", "release app:" + token, "release app revision 2:db.password=app-2-Secret"}},
		{"diff revision app x 9",
			[]string{"get values app --revision 0 --output yaml", "get values app --revision 9 --output yaml"},
			[]string{"release app revision 0:db.password=app-0-Secret", "release app revision 0:" + token}},
		{"diff rollback app 1 --values=secrets.yaml",
			[]string{"get values app --output yaml", "get values app --revision 1 --output yaml"},
			[]string{"release app:db.password=app-latest-Secret", "release app:" + token, "release app revision 1:db.password=app-1-Secret"}},
		// NAMESPACE/RELEASE as helm-diff reads it.
		{"diff release -n ns app ns2/other --kube-context kc",
			[]string{"get values app --output yaml --namespace=ns --kube-context=kc", "get values other --output yaml --namespace=ns2 --kube-context=kc"},
			[]string{"release app:db.password=app-latest-Secret", "release app:" + token, "release other:db.password=other-latest-Secret"}},
		// get values' -a is its --all (a switch), not --api-versions.
		{"get values -a app --revision 2 -o json",
			[]string{"get values app --revision 2 --output yaml"},
			[]string{"release app revision 2:db.password=app-2-Secret", "release app revision 2:" + token}},
		{"get all app --template {{.Release.Name}}",
			[]string{"get values app --output yaml"},
			[]string{"release app:db.password=app-latest-Secret", "release app:" + token}},
	} {
		helm, log := fakeHelm(t)
		var found []string
		for _, s := range released.Secrets(context.Background(), helm, strings.Fields(tc.args), paths) {
			found = append(found, s.Name+"="+string(s.Value))
		}
		if !slices.Equal(found, tc.found) {
			t.Errorf("%s: found\n%q\nwant\n%q", tc.args, found, tc.found)
		}
		b, _ := os.ReadFile(log)
		calls := strings.Split(strings.TrimSpace(string(b)), "\n")
		slices.Sort(calls)
		if !slices.Equal(calls, tc.calls) {
			t.Errorf("%s: helm ran\n%q\nwant\n%q", tc.args, calls, tc.calls)
		}
	}
	// Nothing: a command that prints no stored release, arguments
	// helm-diff refuses, no such release, no secret paths.
	helm, log := fakeHelm(t)
	for _, args := range []string{
		"upgrade app ./chart", "get manifest app", "diff revision app", "diff revision app 1 2 3",
		"diff rollback app", "diff rollback app 1 2", "diff release app", "diff upgrade other ./chart", "diff", "get",
	} {
		if got := released.Secrets(context.Background(), helm, strings.Fields(args), paths); got != nil {
			t.Errorf("%q: %+v", args, got)
		}
	}
	if got := released.Secrets(context.Background(), helm, []string{"diff", "upgrade", "app", "./chart"}, nil); got != nil {
		t.Errorf("no paths: %+v", got)
	}
	if b, _ := os.ReadFile(log); strings.TrimSpace(string(b)) != "get values other --output yaml" {
		t.Errorf("helm ran %q, want only the one call for diff upgrade other", b)
	}
}

func TestMaskOnly(t *testing.T) {
	for _, tc := range []struct {
		args, sub string
	}{
		{"diff revision r 1 2", "diff revision"},
		{"diff --no-color rollback r 1", "diff rollback"},
		{"diff release -f s.yaml a b", "diff release"},
		{"get values r", "get values"},
		{"get -n ns all r", "get all"},
		{"get values -a r", "get values"},
		{"diff upgrade r c", ""},
		{"diff r c", ""},
		{"get manifest r", ""},
		{"upgrade values r", ""},
		{"get", ""},
		{"", ""},
	} {
		sub, ok := released.MaskOnly(strings.Fields(tc.args))
		if sub != tc.sub || ok != (tc.sub != "") {
			t.Errorf("MaskOnly(%s) = %q, %t", tc.args, sub, ok)
		}
	}
}
