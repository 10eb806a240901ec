package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestLeanImports: the lean wrapper links age, YAML, its helpers and the
// standard library, never sops, key-service clients or the Helm SDK.
func TestLeanImports(t *testing.T) {
	allowed := []string{
		"filippo.io/age", "filippo.io/edwards25519", "filippo.io/hpke", "golang.org/x/crypto/", "golang.org/x/sys/",
		"golang.org/x/term", "go.yaml.in/yaml/v3", "github.com/Microsoft/go-winio",
	}
	for _, p := range []string{"lean/sopslite", "hardening/pathpolicy", "foundation/yamlcheck", "foundation/bounds",
		"hardening/nodump", "lean/fastpath", "lean/handoff", "helm/helmargs", "helm/helmrun", "lean/delivery",
		"lean/delivery/boundary", "lean/leanwrap", "foundation/parallel", "foundation/settings", "foundation/commalist",
		"hardening/lifecycle"} {
		allowed = append(allowed, "github.com/helm-secrets/helm-secrets/internal/"+p)
	}
	testenv.CheckImports(t, "the lean wrapper", append(allowed, "github.com/helm-secrets/helm-secrets/cmd/helm-secrets-wrapper"))
}

// build builds the lean wrapper and the full binary into one directory.
func build(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, c := range []struct{ out, pkg string }{{"helm-secrets-wrapper", "."}, {"helm-secrets", "../helm-secrets"}} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, c.out), c.pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", c.pkg, err, out)
		}
	}
	return dir
}

// fakeHelm is a helm that prints each argument, and the content of each
// argument that names a served file (so that the output does not depend
// on where it was served), and exits 3.
const fakeHelm = `#!/bin/sh
for a in "$@"; do
	case "$a" in
	*/helm-secrets-*) echo "served:${a%%/*}"; cat "/${a#*/}" ;;
	*) echo "arg:$a" ;;
	esac
done
echo "helm stderr" >&2
exit 3
`

type result struct {
	code           int
	stdout, stderr string
}

// TestSameAsFullBinary runs `helm secrets ...` command lines through the
// lean wrapper and the full binary with the same fake helm: same stdout,
// stderr and exit code. The lean wrapper must take the fast-path ones
// itself: with a full binary that only records that it ran, they still
// work.
func TestSameAsFullBinary(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	bin := build(t)
	work := t.TempDir()
	testenv.WriteFile(t, work, "helm", fakeHelm)
	if err := os.Chmod(filepath.Join(work, "helm"), 0o755); err != nil {
		t.Fatal(err)
	}
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc, err := eng.Encrypt(context.Background(), []byte("password: hunter2\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, work, "secrets.yaml", string(enc))
	testenv.WriteFile(t, work, "values.yaml", "a: 1\n")
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "TMPDIR=" + t.TempDir(),
		"SOPS_AGE_KEY=" + id.String(), "HELM_SECRETS_HELM_PATH=" + filepath.Join(work, "helm")}
	lean := [][]string{
		{"template", "app", "./chart", "-f", "secrets.yaml", "-f", "values.yaml", "--set", "x=1"},
		{"upgrade", "--install", "app", "./chart", "--values=secrets.yaml"},
	}
	full := [][]string{
		{"template", "app", "./chart", "-f", "missing.yaml"},
		{"template", "app", "./chart", "-f", "noop!secrets.yaml"},
		{"lint", "./chart", "-f", "secrets.yaml"},
		{"--version"},
	}
	for _, args := range append(lean, full...) {
		for _, extra := range [][]string{nil, {"HELM_SECRETS_QUIET=true"}, {"HELM_SECRETS_SOPS_PATH=/opt/sops"}, {"HELM_SECRETS_SOPS_PATH=/opt/sops", "ARGOCD_APP_NAME=app"}} {
			e := append(append([]string(nil), env...), extra...)
			// The wrapper runs in work (the values files' directory).
			got := runInDir(t, bin, "helm-secrets-wrapper", work, e, args...)
			want := runInDir(t, bin, "helm-secrets", work, e, args...)
			if got != want {
				t.Errorf("%q %q:\n lean %+v\n full %+v", extra, args, got, want)
			}
		}
	}
	if r := runInDir(t, bin, "helm-secrets-wrapper", work, env, lean[0]...); !strings.Contains(r.stderr, "[helm-secrets] Decrypt: secrets.yaml\n") || !strings.Contains(r.stdout, "password: hunter2") || r.code != 3 {
		t.Fatalf("lean run: %+v", r)
	}
	notice := "[helm-secrets] HELM_SECRETS_SOPS_PATH is ignored: sops runs inside helm-secrets, no sops binary is started\n"
	if r := runInDir(t, bin, "helm-secrets-wrapper", work, append(env, "HELM_SECRETS_SOPS_PATH=/opt/sops"), lean[0]...); strings.Count(r.stderr, notice) != 1 {
		t.Errorf("HELM_SECRETS_SOPS_PATH: said once? %+v", r)
	}
	if r := runInDir(t, bin, "helm-secrets-wrapper", work, append(env, "HELM_SECRETS_SOPS_PATH=/opt/sops", "ARGOCD_APP_NAME=app"), lean[0]...); strings.Contains(r.stderr, "SOPS_PATH") {
		t.Errorf("Argo CD mode adds nothing: %+v", r)
	}

	// Without a working full binary, the fast-path command lines still
	// run; the others reach the stand-in.
	testenv.WriteFile(t, bin, "helm-secrets", "#!/bin/sh\necho \"full:$*\"\nexit 9\n")
	for _, args := range lean {
		if r := runInDir(t, bin, "helm-secrets-wrapper", work, env, args...); r.code != 3 || strings.Contains(r.stdout, "full:") {
			t.Errorf("%q: not run by the lean wrapper: %+v", args, r)
		}
	}
	for _, args := range full {
		if r := runInDir(t, bin, "helm-secrets-wrapper", work, env, args...); r.code != 9 || r.stdout != "full:"+strings.Join(args, " ")+"\n" {
			t.Errorf("%q: not handed off unchanged: %+v", args, r)
		}
	}
	if err := os.Remove(filepath.Join(bin, "helm-secrets")); err != nil {
		t.Fatal(err)
	}
	if r := runInDir(t, bin, "helm-secrets-wrapper", work, env, "encrypt", "x"); r.code != 1 || !strings.Contains(r.stderr, "[helm-secrets] cannot start helm-secrets: ") {
		t.Errorf("without the full binary: %+v", r)
	}
}

func runInDir(t *testing.T, binDir, bin, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, bin), args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}
