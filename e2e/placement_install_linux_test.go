package e2e

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// userLeakPostRenderer is a user's post-renderer that copies the Secret's
// password (base64, as rendered) into a ConfigMap of its own: only a
// check that runs after it sees that leak.
const userLeakPostRenderer = `#!/bin/sh
set -eu
in=$(cat)
pw=$(printf '%s\n' "$in" | sed -n 's/^  password: //p' | head -n 1)
printf '%s\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: user-leak\nbinaryData:\n  copied: %s\n' "$in" "$pw"
`

// TestCheckPlacementInstall: through real helm v3 and v4 against the
// local API server, `helm secrets --check-placement install|upgrade`
// checks the manifests in our post-renderer before helm sends them. Error
// mode with a leaking chart fails, names each place (values file, key
// path, resource, field) and leaves no release and no resource; warn
// mode reports and installs; a clean upgrade in error mode passes, a
// leaking one fails and leaves the release as it was; a user's own
// post-renderer runs first and its leak is caught; with
// --evaluate-templates the evaluated manifests are checked and installed.
// No output holds the value.
func TestCheckPlacementInstall(t *testing.T) {
	kc := clusterClient(t)
	ctx := context.Background()
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			if h.name == "v4" {
				h.installPluginCopy(t, "secrets-post-renderer", "plugins/helm-secrets-post-renderer/plugin.yaml")
			}
			h.env = append(h.env, "SOPS_AGE_KEY_FILE="+k.keyFile)
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "db:\n  password: "+placementPassword+"\n", encrypt.FormatYAML))
			chartDir := filepath.Join(repoRoot, "testdata", "charts", "placement")
			// A new namespace each run: without a namespace controller a
			// deleted one stays terminating.
			ns := "e2e-placement-" + h.name + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
			t.Cleanup(func() { h.run("uninstall", "r", "-n", ns) })
			// The chart's notes print the password (the template check
			// reports them; helm prints them after an install, beyond the
			// post-renderer): helm's output is masked (--redact).
			var all strings.Builder
			helmSecrets := func(args ...string) (string, string, int) {
				out, errOut, code := h.run(append([]string{"secrets", "--redact"}, args...)...)
				all.WriteString(out + errOut)
				return out, errOut, code
			}
			exists := func(kind, name string) bool {
				var err error
				if kind == "ConfigMap" {
					_, err = kc.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
				} else {
					_, err = kc.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
				}
				if err != nil && !apierrors.IsNotFound(err) {
					t.Fatal(err)
				}
				return err == nil
			}
			findings := []string{
				"metadata  Deployment/r-app  metadata.annotations[\"example.com/db\"]  secrets.yaml:db.password",
				"env-literal  Deployment/r-app  spec.template.spec.containers[0].env[1].value  secrets.yaml:db.password",
				"configmap  ConfigMap/r-config  binaryData[\"app.ini\"]  secrets.yaml:db.password",
			}
			wantFindings := func(what, errOut string, want []string) {
				t.Helper()
				for _, w := range want {
					if !strings.Contains(squeeze(errOut), w) {
						t.Errorf("%s: stderr lacks %q:\n%s", what, w, errOut)
					}
				}
				if strings.Contains(errOut, "Secret/r-db") {
					t.Errorf("%s: the mounted Secret is reported:\n%s", what, errOut)
				}
			}
			install := []string{"install", "r", chartDir, "-n", ns, "--create-namespace", "-f", "secrets.yaml"}
			leak := []string{"--set", "leak=true"}

			// Error mode: stopped before the cluster.
			_, errOut, code := helmSecrets(append(append([]string{"--check-placement=error"}, install...), leak...)...)
			if code == 0 {
				t.Fatalf("error mode, leaking chart: exit 0\n%s", errOut)
			}
			wantFindings("error mode", errOut, findings)
			if !strings.Contains(errOut, "placement check failed: 3 finding(s): nothing was sent to the cluster") {
				t.Errorf("error mode: no failure line:\n%s", errOut)
			}
			if _, _, code := h.run("status", "r", "-n", ns); code == 0 {
				t.Error("error mode: a release was recorded")
			}
			if exists("Secret", "r-db") || exists("ConfigMap", "r-config") {
				t.Error("error mode: resources reached the cluster")
			}

			// Warn mode: reported, installed.
			_, errOut, code = helmSecrets(append(append([]string{"--check-placement=warn"}, install...), leak...)...)
			if code != 0 {
				t.Fatalf("warn mode: exit %d\n%s", code, errOut)
			}
			wantFindings("warn mode", errOut, findings)
			if !exists("Secret", "r-db") || !exists("ConfigMap", "r-config") {
				t.Error("warn mode: not installed")
			}

			// A clean upgrade in error mode passes (and removes the
			// leaking ConfigMap); a leaking one is stopped.
			upgrade := []string{"upgrade", "r", chartDir, "-n", ns, "-f", "secrets.yaml"}
			if _, errOut, code := helmSecrets(append([]string{"--check-placement"}, upgrade...)...); code != 0 || strings.Contains(errOut, "Placement check (") {
				t.Fatalf("clean upgrade: exit %d\n%s", code, errOut)
			}
			if exists("ConfigMap", "r-config") {
				t.Error("clean upgrade: the leaking ConfigMap is still there")
			}
			_, errOut, code = helmSecrets(append(append([]string{"--check-placement=error"}, upgrade...), leak...)...)
			if code == 0 {
				t.Fatalf("leaking upgrade: exit 0\n%s", errOut)
			}
			wantFindings("leaking upgrade", errOut, findings)
			if exists("ConfigMap", "r-config") {
				t.Error("leaking upgrade: the ConfigMap reached the cluster")
			}
			if out, _, _ := h.run("history", "r", "-n", ns, "--max", "1", "-o", "yaml"); !strings.Contains(out, "revision: 2") || !strings.Contains(out, "status: deployed") {
				t.Errorf("leaking upgrade: the release moved on:\n%s", out)
			}

			// The user's post-renderer runs first; ours sees its leak.
			userPR := testenv.WriteFile(t, t.TempDir(), "user-pr.sh", userLeakPostRenderer)
			if err := chmodX(userPR); err != nil {
				t.Fatal(err)
			}
			prName := userPR
			if h.name == "v4" {
				src := filepath.Join(t.TempDir(), "user-leak")
				testenv.WriteFile(t, src, "plugin.yaml", "apiVersion: v1\ntype: postrenderer/v1\nname: user-leak\nversion: 1.0.0\nruntime: subprocess\n"+
					"runtimeConfig:\n  platformCommand:\n    - command: \"$HELM_PLUGIN_DIR/user-pr.sh\"\n")
				testenv.WriteFile(t, src, "user-pr.sh", userLeakPostRenderer)
				if err := chmodX(filepath.Join(src, "user-pr.sh")); err != nil {
					t.Fatal(err)
				}
				if out, errOut, code := h.run("plugin", "install", src, "--verify=false"); code != 0 {
					t.Fatalf("install the user's post-renderer plugin: exit %d\n%s\n%s", code, out, errOut)
				}
				prName = "user-leak"
			}
			_, errOut, code = helmSecrets(append(append([]string{"--check-placement=error"}, upgrade...), "--post-renderer", prName)...)
			if code == 0 {
				t.Fatalf("the user's leak: exit 0\n%s", errOut)
			}
			wantFindings("the user's leak", errOut, []string{"configmap  ConfigMap/user-leak  binaryData.copied  secrets.yaml:db.password"})
			if exists("ConfigMap", "user-leak") {
				t.Error("the user's leak reached the cluster")
			}
			// With --evaluate-templates: the expressions are evaluated
			// first, the result is checked and installed; a leak is still
			// stopped.
			_, errOut, code = helmSecrets(append(append([]string{"--evaluate-templates", "--check-placement=error"}, upgrade...), "--set", "db.host=ref+echo://db-evaluated.internal")...)
			if code != 0 || strings.Contains(errOut, "Placement check (") {
				t.Fatalf("--evaluate-templates, clean: exit %d\n%s", code, errOut)
			}
			dep, err := kc.AppsV1().Deployments(ns).Get(ctx, "r-app", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if env := dep.Spec.Template.Spec.Containers[0].Env; len(env) == 0 || env[0].Value != "db-evaluated.internal" {
				t.Errorf("--evaluate-templates: DB_HOST not evaluated: %+v", env)
			}
			_, errOut, code = helmSecrets(append(append([]string{"--evaluate-templates", "--check-placement=error"}, upgrade...), leak...)...)
			if code == 0 {
				t.Fatalf("--evaluate-templates, leak: exit 0\n%s", errOut)
			}
			wantFindings("--evaluate-templates, leak", errOut, findings)
			if exists("ConfigMap", "r-config") {
				t.Error("--evaluate-templates, leak: the ConfigMap reached the cluster")
			}
			assertNoCanary(t, "output", all.String())
		})
	}
}
