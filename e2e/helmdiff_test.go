package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The real helm-diff plugin (built by scripts/test-deps.sh from its source
// archive) against the real API server (scripts/cluster.sh), on Helm 3 and
// Helm 4. redact_test.go keeps a small helm-diff double for the canary
// forms; these tests check what users run.

// helmDiffVersion is the helm-diff version scripts/test-deps.sh builds.
const helmDiffVersion = "3.15.11"

// helmDiffDir is the helm-diff plugin folder of scripts/test-deps.sh
// (HELM_DIFF_PLUGIN_DIR). Without it the test is skipped, or fails under
// HELM_SECRETS_REQUIRE_TOOLS=1.
func helmDiffDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HELM_DIFF_PLUGIN_DIR")
	if dir == "" {
		if testenv.Required() {
			t.Fatal("HELM_DIFF_PLUGIN_DIR not set: run scripts/test-deps.sh")
		}
		t.Skip("no helm-diff (HELM_DIFF_PLUGIN_DIR); run scripts/test-deps.sh")
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin", "diff")); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("HELM_DIFF_PLUGIN_DIR=%s holds no bin/diff: %v", dir, err)
	}
	return dir
}

// installHelmDiff installs the real helm-diff plugin with `helm plugin
// install` (Helm 4: a legacy manifest, unsigned local folder) and checks
// that helm runs it.
func (h *helmEnv) installHelmDiff(t *testing.T, dir string) {
	t.Helper()
	args := []string{"plugin", "install", dir}
	if h.name == "v4" {
		args = append(args, "--verify=false")
	}
	if out, errOut, code := h.run(args...); code != 0 {
		t.Fatalf("helm %s plugin install helm-diff: exit %d\n%s\n%s", h.name, code, out, errOut)
	}
	if out, errOut, code := h.run("diff", "version"); code != 0 || strings.TrimSpace(out) != helmDiffVersion {
		t.Fatalf("helm %s diff version: exit %d %q (want %s)\n%s", h.name, code, out, helmDiffVersion, errOut)
	}
}

// diffChart puts the secrets where charts do: a ConfigMap value built
// from one (a DSN), Secret.stringData, next to plain values.
var diffChart = map[string]string{
	"Chart.yaml": "apiVersion: v2\nname: hdiff\nversion: 0.1.0\n",
	"templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
data:
  plain: not-a-secret
  port: {{ .Values.port | quote }}
  dsn: {{ printf "postgres://app:%s@db:5432/app" .Values.password | quote }}
`,
	"templates/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-creds
type: Opaque
stringData:
  password: {{ .Values.password | quote }}
  token: {{ .Values.token | quote }}
`,
}

// Decrypted values of the two revisions (distinctive, so masked also
// inside the DSN). The token does not change between them.
const (
	diffPass1 = "hd-Old-pw-7Qx!"
	diffPass2 = "hd-New-pw-3Kz!"
	diffToken = "hd-Token-9Vb$ab"
)

func diffSecrets(pass string) string {
	return "password: '" + pass + "'\ntoken: '" + diffToken + "'\n"
}

// randSuffix is a short random name part: releases stay in the API server
// between test runs that reuse it.
func randSuffix(t *testing.T) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// maskAll is plain with each of values replaced by [redacted]: what the
// filter must print for helm-diff's output plain.
func maskAll(plain string, values ...string) string {
	for _, v := range values {
		plain = strings.ReplaceAll(plain, v, "[redacted]")
	}
	return plain
}

// compareDiff runs `helm secrets ARGS` (quiet: no notices of ours) and
// `helm PLAINARGS` (helm-diff on the plain values) and fails unless the
// first prints exactly what the second prints with each of masked
// replaced by [redacted], on stdout and stderr, and exits with the same
// code: 2 when changes (detailed: --detailed-exitcode given), else 0.
func (h *helmEnv) compareDiff(t *testing.T, env, args, plainArgs, masked []string, detailed bool) {
	t.Helper()
	what := strings.Join(args, " ")
	plainOut, plainErr, plainCode := h.run(plainArgs...)
	wantCode := 0
	if detailed {
		wantCode = 2
	}
	if plainCode != wantCode || !strings.Contains(plainOut, "has changed:") {
		t.Fatalf("helm %s: exit %d (want %d), or no change printed\n%s\n%s", strings.Join(plainArgs, " "), plainCode, wantCode, plainOut, plainErr)
	}
	out, errOut, code := h.runEnv(slices.Concat(env, []string{"HELM_SECRETS_QUIET=true"}), slices.Concat([]string{"secrets"}, args)...)
	if code != plainCode {
		t.Errorf("%s: exit %d, helm-diff's %d\n%s", what, code, plainCode, errOut)
	}
	if want := maskAll(plainOut, masked...); out != want {
		t.Errorf("%s: stdout is not helm-diff's with the values masked\n--- want:\n%s\n--- got:\n%s", what, want, out)
	}
	// helm adds its line for the plugin (ours) that failed.
	wantErr := maskAll(plainErr, masked...)
	if plainCode != 0 {
		wantErr += "Error: plugin \"secrets\" exited with error\n"
	}
	if errOut != wantErr {
		t.Errorf("%s: stderr is not helm-diff's with the values masked\n--- want:\n%s\n--- got:\n%s", what, wantErr, errOut)
	}
	for _, v := range masked {
		if strings.Contains(out+errOut, v) {
			t.Errorf("%s: %q printed", what, v)
		}
	}
	// helm-diff prints a Secret's values only with --show-secrets.
	for _, v := range masked {
		if (slices.Contains(args, "--show-secrets") || v == diffPass2) && !strings.Contains(plainOut, v) {
			t.Errorf("%s: helm-diff does not print %q: the test does not test masking it\n%s", what, v, plainOut)
		}
	}
}

// TestHelmDiffReal: `helm secrets diff upgrade|revision|rollback|release`
// through the real helm-diff, on Helm 3 and Helm 4, with redaction on by
// default: the output is helm-diff's own for the plain values, byte for
// byte, with the decrypted values masked, and the exit code is helm-diff's
// (2 for changes with --detailed-exitcode). revision, rollback and release
// (and helm's get values and get all) with -f: the files name the secrets,
// the stored releases print masked at their key paths.
func TestHelmDiffReal(t *testing.T) {
	clusterClient(t)
	plugin := helmDiffDir(t)
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			h.installHelmDiff(t, plugin)
			for p, c := range diffChart {
				testenv.WriteFile(t, filepath.Join(h.work, "hdiff"), p, c)
			}
			testenv.WriteFile(t, h.work, "secrets1.yaml", k.encrypt(t, diffSecrets(diffPass1), encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "secrets2.yaml", k.encrypt(t, diffSecrets(diffPass2), encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "values1.yaml", "port: 8080\n")
			testenv.WriteFile(t, h.work, "values2.yaml", "port: 8081\n")
			// Test-only plaintext: what helm-diff prints for the plain values.
			plainDir := t.TempDir()
			plain2 := testenv.WriteFile(t, plainDir, "secrets2.yaml", diffSecrets(diffPass2))
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}
			rel := "hdiff-" + h.name + "-" + randSuffix(t)
			t.Cleanup(func() { h.run("uninstall", rel) })

			if out, errOut, code := h.runEnv(env, "secrets", "install", rel, "./hdiff", "-f", "values1.yaml", "-f", "secrets1.yaml"); code != 0 {
				t.Fatalf("install: exit %d\n%s\n%s", code, out, errOut)
			}

			// diff upgrade: the release as installed against the changed
			// encrypted value; --show-secrets makes helm-diff print the
			// Secret's values (it hides them by default). The `-` side is
			// the release in the cluster: its old password is not in the
			// files passed; the wrapper reads the release's stored values
			// (helm get values) at the key paths that are secret now, so it
			// is masked too (before: printed as helm-diff prints it).
			for _, extra := range [][]string{nil, {"--detailed-exitcode", "--show-secrets"}} {
				args := append([]string{"diff", "upgrade", rel, "./hdiff", "-f", "values2.yaml"}, extra...)
				h.compareDiff(t, env, slices.Concat(args, []string{"-f", "secrets2.yaml"}), slices.Concat(args, []string{"-f", plain2}), []string{diffPass2, diffToken, diffPass1}, slices.Contains(extra, "--detailed-exitcode"))
			}

			// Two revisions and a second release for the other subcommands.
			if out, errOut, code := h.runEnv(env, "secrets", "upgrade", rel, "./hdiff", "-f", "values2.yaml", "-f", "secrets2.yaml"); code != 0 {
				t.Fatalf("upgrade: exit %d\n%s\n%s", code, out, errOut)
			}
			other := rel + "-b"
			t.Cleanup(func() { h.run("uninstall", other) })
			if out, errOut, code := h.runEnv(env, "secrets", "install", other, "./hdiff", "-f", "values1.yaml", "-f", "secrets1.yaml"); code != 0 {
				t.Fatalf("install %s: exit %d\n%s\n%s", other, code, out, errOut)
			}
			// They read the releases in the cluster and take no values
			// files: nothing is decrypted, the output is helm-diff's.
			for _, sub := range [][]string{{"revision", rel, "1", "2"}, {"rollback", rel, "1"}, {"release", rel, other}} {
				args := slices.Concat([]string{"diff"}, sub, []string{"--detailed-exitcode", "--show-secrets"})
				h.compareDiff(t, env, args, args, nil, true)
			}
			// With -f (any spelling) the files name the secrets to mask:
			// decrypted, left out of helm-diff's command line (which
			// refuses -f), and the values the releases stored at their
			// key paths are masked (before: printed). secrets1.yaml holds
			// the old password only; the new one, stored by revision 2,
			// is masked all the same.
			for _, tc := range []struct{ sub, files []string }{
				{[]string{"revision", rel, "1", "2"}, []string{"-f", "secrets2.yaml"}},
				{[]string{"rollback", rel, "1"}, []string{"--values=secrets1.yaml"}},
				{[]string{"release", rel, other}, []string{"-fsecrets1.yaml,secrets2.yaml"}},
			} {
				args := slices.Concat([]string{"diff"}, tc.sub, []string{"--detailed-exitcode", "--show-secrets"})
				h.compareDiff(t, env, slices.Concat(args, tc.files), args, []string{diffPass1, diffPass2, diffToken}, true)
			}
			// helm's get values and get all the same way: revision 1's
			// stored values, masked at the key paths of secrets2.yaml.
			for _, sub := range []string{"values", "all"} {
				args := []string{"get", sub, rel, "--revision", "1"}
				plainOut, plainErr, plainCode := h.run(args...)
				if plainCode != 0 || !strings.Contains(plainOut, diffPass1) || !strings.Contains(plainOut, diffToken) {
					t.Fatalf("helm %s: exit %d, or the stored values not printed\n%s\n%s", strings.Join(args, " "), plainCode, plainOut, plainErr)
				}
				out, errOut, code := h.runEnv(slices.Concat(env, []string{"HELM_SECRETS_QUIET=true"}), slices.Concat([]string{"secrets"}, args, []string{"-f", "secrets2.yaml"})...)
				if want := maskAll(plainOut, diffPass1, diffToken); out != want || errOut != plainErr || code != plainCode {
					t.Errorf("secrets get %s -f: exit %d, stdout and stderr not helm's with the values masked\n--- want:\n%s\n--- got:\n%s\n%s", sub, code, want, out, errOut)
				}
			}
		})
	}
}

// TestHelmfileDiffApply: helmfile diff and apply with the real helm-diff
// on Helm 3 and Helm 4, for a release whose `secrets:` entry helmfile
// decrypts with our plugin (`helm secrets decrypt`). diff shows the
// change and exits 2 with --detailed-exitcode; apply puts the new value
// into the cluster; a second diff finds nothing (exit 0).
func TestHelmfileDiffApply(t *testing.T) {
	kc := clusterClient(t)
	hf := helmfileBin(t)
	plugin := helmDiffDir(t)
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			h.installHelmDiff(t, plugin)
			h.env = append(h.env, "SOPS_AGE_KEY_FILE="+k.keyFile)
			for p, c := range diffChart {
				testenv.WriteFile(t, filepath.Join(h.work, "hdiff"), p, c)
			}
			rel := "hfdiff-" + h.name + "-" + randSuffix(t)
			t.Cleanup(func() { h.run("uninstall", rel, "-n", "default") })
			testenv.WriteFile(t, h.work, "values.yaml", "port: 8080\n")
			testenv.WriteFile(t, h.work, "helmfile.yaml", "releases:\n  - name: "+rel+"\n    namespace: default\n    chart: ./hdiff\n"+
				"    values: [values.yaml]\n    secrets: [secrets.yaml]\n")
			secret := func() string {
				t.Helper()
				s, err := kc.CoreV1().Secrets("default").Get(t.Context(), rel+"-creds", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return string(s.Data["password"])
			}

			for i, pass := range []string{diffPass1, diffPass2} {
				testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, diffSecrets(pass), encrypt.FormatYAML))
				out, errOut, code := h.helmfile(t, hf, "", "diff", "--skip-deps", "--detailed-exitcode")
				if code != 2 || !strings.Contains(out, "has been added:") && i == 0 || !strings.Contains(out, "has changed:") && i == 1 {
					t.Fatalf("helmfile diff (%d): exit %d, want 2 and a diff\n%s\n%s", i, code, out, errOut)
				}
				if i == 1 && (!strings.Contains(out, `dsn: "postgres://app:`+diffPass2+`@db:5432/app"`) || !strings.Contains(out, "password: '++++++++ # (14 bytes)'")) {
					t.Errorf("helmfile diff: the changed value is not in the diff\n%s", out)
				}
				if strings.Contains(out+errOut, "ENC[") {
					t.Errorf("helmfile diff: ciphertext reached helm-diff\n%s\n%s", out, errOut)
				}
				out, errOut, code = h.helmfile(t, hf, "", "apply", "--skip-deps")
				if code != 0 {
					t.Fatalf("helmfile apply (%d): exit %d\n%s\n%s", i, code, out, errOut)
				}
				if got := secret(); got != pass {
					t.Fatalf("after helmfile apply (%d) the Secret holds %d bytes, not the value applied", i, len(got))
				}
				out, errOut, code = h.helmfile(t, hf, "", "diff", "--skip-deps", "--detailed-exitcode")
				if code != 0 || strings.Contains(out, "has changed:") {
					t.Fatalf("helmfile diff after apply (%d): exit %d, want 0 and no change\n%s\n%s", i, code, out, errOut)
				}
			}
		})
	}
}
