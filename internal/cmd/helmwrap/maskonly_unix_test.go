//go:build unix

package helmwrap

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// maskOnlyHelm is a helm that records its arguments, one call a line:
// asked `get values REL [--revision R] --output yaml` it prints the
// password stored at R ("latest" without); as diff it prints the
// passwords of revisions 1 and 2 on stdout, one on stderr, and exits 2;
// as get values the latest one.
func maskOnlyHelm(t *testing.T) (log string) {
	dir := t.TempDir()
	log = filepath.Join(dir, "args")
	script := `#!/bin/sh
echo "$@" >>` + log + `
case " $* " in
*" --output yaml "*)
	rev=latest prev=
	for a; do [ "$prev" = --revision ] && rev=$a; prev=$a; done
	printf 'password: stored-%s-Pw9x!\n' "$rev"
	exit 0 ;;
esac
echo "args: $*"
if [ "$1" = get ]; then echo 'password: stored-latest-Pw9x!'; exit 0; fi
printf -- '-  password: stored-1-Pw9x!\n+  password: stored-2-Pw9x!\n'
echo 'Error: stored-2-Pw9x! changed' >&2
exit 2
`
	helm := filepath.Join(dir, "helm")
	if err := os.WriteFile(helm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HELM_BIN", helm)
	return log
}

// TestMaskOnlyCommands: the -f files of diff revision and get values are
// decrypted and announced, helm gets the command line without them, and
// the values the releases stored at their key paths are masked on both
// streams; helm's exit code stays. Without -f nothing changes, and an
// explicit --redact gets one notice (not with -q or in Argo CD mode).
func TestMaskOnlyCommands(t *testing.T) {
	for _, tc := range []struct {
		name             string
		command          string
		args             []string
		redact, set, q   bool
		argoCD           bool
		stdout, stderr   string
		helmArgs, lookup string
		code             int
	}{
		{name: "diff revision", command: "diff", args: []string{"revision", "r", "-f", "s.yaml", "1", "2", "--show-secrets"},
			stdout:   "args: diff revision r 1 2 --show-secrets\n-  password: [redacted]\n+  password: [redacted]\n",
			stderr:   "[helm-secrets] Decrypt: s.yaml\nError: [redacted] changed\n",
			helmArgs: "diff revision r 1 2 --show-secrets", lookup: "get values r --revision 1 --output yaml\nget values r --revision 2 --output yaml", code: 2},
		{name: "get values", command: "get", args: []string{"values", "r", "--values=s.yaml"},
			stdout:   "args: get values r\npassword: [redacted]\n",
			stderr:   "[helm-secrets] Decrypt: s.yaml\n",
			helmArgs: "get values r", lookup: "get values r --output yaml"},
		{name: "redaction off", command: "diff", args: []string{"rollback", "-fs.yaml", "r", "1"}, set: true,
			stdout:   "args: diff rollback r 1\n-  password: stored-1-Pw9x!\n+  password: stored-2-Pw9x!\n",
			stderr:   "[helm-secrets] Decrypt: s.yaml\nError: stored-2-Pw9x! changed\n",
			helmArgs: "diff rollback r 1", code: 2},
		{name: "no -f", command: "diff", args: []string{"release", "a", "b"},
			stdout: "args: diff release a b\n-  password: stored-1-Pw9x!\n+  password: stored-2-Pw9x!\n",
			stderr: "Error: stored-2-Pw9x! changed\n", helmArgs: "diff release a b", code: 2},
		{name: "no -f, --redact", command: "diff", args: []string{"release", "a", "b"}, redact: true, set: true,
			stdout: "args: diff release a b\n-  password: stored-1-Pw9x!\n+  password: stored-2-Pw9x!\n",
			stderr: "[helm-secrets] diff release: the stored releases are printed unmasked; -f FILE names the secrets to mask\n" +
				"Error: stored-2-Pw9x! changed\n", helmArgs: "diff release a b", code: 2},
		{name: "no -f, --redact, -q", command: "get", args: []string{"all", "r"}, redact: true, set: true, q: true,
			stdout: "args: get all r\npassword: stored-latest-Pw9x!\n", helmArgs: "get all r"},
		{name: "no -f, --redact, Argo CD", command: "get", args: []string{"values", "r"}, redact: true, set: true, argoCD: true,
			stdout: "args: get values r\npassword: stored-latest-Pw9x!\n", helmArgs: "get values r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := cmdtest.New(t, "sops")
			log := maskOnlyHelm(t)
			e.Encrypted(t, "s.yaml", "password: new-Pw-Secret9!\n")
			e.F.Quiet = tc.q
			if tc.argoCD {
				t.Setenv("ARGOCD_APP_NAME", "app")
			}
			err := Run(context.Background(), &Options{Factory: e.F, Command: tc.command, Args: tc.args,
				DefaultBackend: "sops", Redact: tc.redact, RedactSet: tc.set})
			var xe *cmdutil.ExitError
			if tc.code != 0 && (!errors.As(err, &xe) || xe.Code != tc.code) || tc.code == 0 && err != nil {
				t.Fatalf("Run = %v, want helm's exit code %d\n%s", err, tc.code, e.ErrOut.String())
			}
			if e.Out.String() != tc.stdout {
				t.Errorf("stdout\n%s\nwant\n%s", e.Out.String(), tc.stdout)
			}
			if e.ErrOut.String() != tc.stderr {
				t.Errorf("stderr\n%s\nwant\n%s", e.ErrOut.String(), tc.stderr)
			}
			b, _ := os.ReadFile(log)
			var helmArgs, lookups []string
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if strings.Contains(l, "--output yaml") {
					lookups = append(lookups, l)
				} else {
					helmArgs = append(helmArgs, l)
				}
			}
			slices.Sort(lookups) // they run side by side
			if strings.Join(helmArgs, "\n") != tc.helmArgs || strings.Join(lookups, "\n") != tc.lookup {
				t.Errorf("helm ran\n%s\nwant\n%s\n%s", b, tc.helmArgs, tc.lookup)
			}
		})
	}
}
