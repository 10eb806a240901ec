//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakevault"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// Values the vals tests fetch: from the fake Vault and from a Secret in
// the local API server.
const (
	valsVaultCanary = "CANARY-vals-vault-7c1d"
	valsKubeCanary  = "CANARY-vals-kube-90ab"
)

// userPostRenderer is a user's own post-renderer: it adds a ConfigMap
// with its arguments, its HELM_PLUGIN_NAME, how many ref+vault lines it
// was given, and a ref of its own.
const userPostRenderer = `#!/bin/sh
set -eu
in=$(cat)
seen=$(printf '%s\n' "$in" | grep -c 'ref+vault://' || true)
printf '%s\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: user-post-rendered\ndata:\n  args: "%s"\n  plugin: "%s"\n  seen: "%s"\n  added: ref+vault://secret/app/db#/password\n' \
	"$in" "$*" "${HELM_PLUGIN_NAME:-}" "$seen"
`

// TestValsBackend runs the vals backend on real helm v3 and v4 with the
// plugins installed by their hooks: ref+vault:// against a fake Vault that
// speaks Vault's HTTP API to vals' real client, ref+k8s:// against the
// local API server, through the wrapper (-b vals, vals!), the getter
// (secrets://vals!, secrets+literal://vals!) and --evaluate-templates
// (Helm 3: our binary as --post-renderer; Helm 4: the secrets-post-renderer
// plugin), including an install read back from the cluster. Failing refs
// stop the run with the file (or manifest) and key path; the fetched
// values are never in helm's output of an install, in argv or environment
// of any process of the run, or on disk.
func TestValsBackend(t *testing.T) {
	kc := clusterClient(t)
	ctx := context.Background()
	vault := fakevault.New("e2e-vault-token")
	vault.Mount("secret", 2)
	vault.Put("secret/app/db", map[string]interface{}{"password": valsVaultCanary})
	addr, err := vault.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vault.Close() })

	const srcNS = "e2e-vals-src"
	_, _ = kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: srcNS}}, metav1.CreateOptions{})
	_ = kc.CoreV1().Secrets(srcNS).Delete(ctx, "vals-src", metav1.DeleteOptions{})
	if _, err := kc.CoreV1().Secrets(srcNS).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "vals-src"},
		Data:       map[string][]byte{"apikey": []byte(valsKubeCanary)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kc.CoreV1().Secrets(srcNS).Delete(context.Background(), "vals-src", metav1.DeleteOptions{})
	})

	vaultRef := "ref+vault://secret/app/db#/password"
	kubeRef := "ref+k8s://v1/Secret/" + srcNS + "/vals-src/apikey"
	valsEnv := []string{"VAULT_ADDR=" + addr, "VAULT_TOKEN=e2e-vault-token"}

	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			if h.name == "v4" {
				h.installPluginCopy(t, "secrets-post-renderer", "plugins/helm-secrets-post-renderer/plugin.yaml")
			}
			h.env = append(h.env, valsEnv...)
			testenv.WriteFile(t, h.work, "vals.yaml", "password: "+vaultRef+"\ntoken: "+kubeRef+"\n")
			testenv.WriteFile(t, h.work, "bad.yaml", "nested:\n  password: ref+vault://secret/app/nope#/password\n")
			rendered := func(t *testing.T, what, out, errOut string, code int) {
				t.Helper()
				if code != 0 {
					t.Fatalf("%s: exit %d\n%s\n%s", what, code, out, errOut)
				}
				if !strings.Contains(out, `password: "`+valsVaultCanary+`"`) || !strings.Contains(out, `token: "`+valsKubeCanary+`"`) {
					t.Fatalf("%s: values not evaluated:\n%s", what, out)
				}
				if strings.Contains(errOut, valsVaultCanary) || strings.Contains(errOut, valsKubeCanary) {
					t.Fatalf("%s: a value on stderr:\n%s", what, errOut)
				}
			}

			// The wrapper: -b vals and the vals! prefix.
			out, errOut, code := h.run("secrets", "-b", "vals", "template", "app", chart(), "-f", "vals.yaml")
			rendered(t, "wrapper -b vals", out, errOut, code)
			if !strings.Contains(errOut, "[helm-secrets] Decrypt: vals.yaml") {
				t.Errorf("no Decrypt line:\n%s", errOut)
			}
			out, errOut, code = h.run("secrets", "template", "app", chart(), "-f", "vals!vals.yaml")
			rendered(t, "wrapper vals!", out, errOut, code)
			out, errOut, code = h.run("secrets", "template", "app", chart(), "--set", "password=vals!"+vaultRef, "--set-string", "token=vals!"+kubeRef)
			rendered(t, "wrapper literals", out, errOut, code)

			// The getter: plain helm.
			out, errOut, code = h.run("template", "app", chart(), "-f", "secrets://vals!vals.yaml")
			rendered(t, "getter secrets://vals!", out, errOut, code)
			out, errOut, code = h.run("template", "app", chart(), "--set-file", "password=secrets+literal://vals!"+vaultRef, "--set-file", "token=secrets+literal://vals!"+kubeRef)
			rendered(t, "getter secrets+literal://vals!", out, errOut, code)

			// --evaluate-templates: the refs reach the manifests and are
			// evaluated by the post-renderer.
			out, errOut, code = h.run("secrets", "--evaluate-templates", "template", "app", chart(), "--set", "password="+vaultRef, "--set", "token="+kubeRef)
			rendered(t, "--evaluate-templates", out, errOut, code)
			out, errOut, code = h.runEnv([]string{"HELM_SECRETS_EVALUATE_TEMPLATES=true"}, "secrets", "template", "app", chart(), "--set", "password="+vaultRef, "--set", "token="+kubeRef)
			rendered(t, "HELM_SECRETS_EVALUATE_TEMPLATES", out, errOut, code)

			// A user's own --post-renderer (Helm 3: a program; Helm 4: a
			// postrenderer/v1 plugin) with its --post-renderer-args runs
			// first, on the manifests as helm rendered them (it sees the
			// ref); ours then evaluates what it printed, the ref it added
			// too.
			userPR := testenv.WriteFile(t, t.TempDir(), "user-pr.sh", userPostRenderer)
			if err := chmodX(userPR); err != nil {
				t.Fatal(err)
			}
			prName, wantArgs := userPR, "one two words"
			if h.name == "v4" {
				src := filepath.Join(t.TempDir(), "user-pr")
				testenv.WriteFile(t, src, "plugin.yaml", "apiVersion: v1\ntype: postrenderer/v1\nname: user-pr\nversion: 1.0.0\nruntime: subprocess\n"+
					"runtimeConfig:\n  platformCommand:\n    - command: \"$HELM_PLUGIN_DIR/user-pr.sh\"\n      args: [\"from-manifest\"]\n")
				testenv.WriteFile(t, src, "user-pr.sh", userPostRenderer)
				if err := chmodX(filepath.Join(src, "user-pr.sh")); err != nil {
					t.Fatal(err)
				}
				if out, errOut, code := h.run("plugin", "install", src, "--verify=false"); code != 0 {
					t.Fatalf("install the user's post-renderer plugin: exit %d\n%s\n%s", code, out, errOut)
				}
				prName, wantArgs = "user-pr", "from-manifest one two words"
			}
			out, errOut, code = h.run("secrets", "--evaluate-templates", "template", "app", chart(), "--set", "password="+vaultRef, "--set", "token="+kubeRef,
				"--post-renderer", prName, "--post-renderer-args", "one", "--post-renderer-args=two words")
			rendered(t, "--evaluate-templates with the user's --post-renderer", out, errOut, code)
			for _, want := range []string{"name: user-post-rendered", `args: "` + wantArgs + `"`, `seen: "1"`, "added: " + valsVaultCanary} {
				if !strings.Contains(out, want) {
					t.Errorf("user's post-renderer, then ours: no %q in\n%s", want, out)
				}
			}
			if h.name == "v4" && !strings.Contains(out, `plugin: "user-pr"`) {
				t.Errorf("the user's plugin ran without its HELM_PLUGIN_NAME:\n%s", out)
			}
			if strings.Contains(out, "ref+") {
				t.Errorf("an expression left unevaluated:\n%s", out)
			}
			out, errOut, code = h.run("secrets", "--evaluate-templates", "template", "app", chart(), "--set", "password="+vaultRef, "--post-renderer", prName+"-missing")
			if code == 0 || strings.Contains(out, "kind:") || !strings.Contains(errOut, "your --post-renderer") && !strings.Contains(errOut, "your post-renderer") {
				t.Errorf("a missing user post-renderer: exit %d\n%s\n%s", code, out, errOut)
			}

			// A failing ref: the wrapper stops before helm; the
			// post-render fails with the manifest and key path.
			out, errOut, code = h.run("secrets", "-b", "vals", "template", "app", chart(), "-f", "vals.yaml", "-f", "bad.yaml")
			if code == 0 || strings.Contains(out, "kind:") || !strings.Contains(errOut, "Error while decrypting file: bad.yaml") || !strings.Contains(errOut, "key nested.password: cannot evaluate ref+vault://secret/app/nope#/password") {
				t.Errorf("failing ref in a values file: exit %d\n%s\n%s", code, out, errOut)
			}
			out, errOut, code = h.run("secrets", "--evaluate-templates", "template", "app", chart(), "--set", "password=ref+vault://secret/app/nope#/password")
			if code == 0 || strings.Contains(out, "kind:") || !strings.Contains(errOut, "(Secret/app-creds)") || !strings.Contains(errOut, "key stringData.password: cannot evaluate ref+vault://secret/app/nope#/password") {
				t.Errorf("failing ref in a manifest: exit %d\n%s\n%s", code, out, errOut)
			}
			// A ref inside a --set {list} or --set-json object cannot be
			// moved out of argv: refused before anything is evaluated, so
			// Vault gets no request at all.
			before := vault.Requests()
			for _, set := range [][]string{
				{"--set", "password=" + vaultRef + ",list={a," + vaultRef + "}"},
				{"--set-json", `cfg={"k":"` + vaultRef + `"}`},
			} {
				out, errOut, code = h.run(append([]string{"secrets", "-b", "vals", "template", "app", chart()}, set...)...)
				if code == 0 || strings.Contains(out, "kind:") || !strings.Contains(errOut, "must be a whole key=value") {
					t.Errorf("nested ref %v: exit %d\n%s\n%s", set, code, out, errOut)
				}
			}
			if n := vault.Requests() - before; n != 0 {
				t.Errorf("nested refs: Vault got %d requests before the refusal", n)
			}
			// Providers off by default stay off in manifests too.
			out, errOut, code = h.run("secrets", "--evaluate-templates", "template", "app", chart(), "--set", "password=ref+file:///etc/hostname")
			if code == 0 || !strings.Contains(errOut, `ref+file:// reads only files inside the working directory by default`) {
				t.Errorf("ref+file:// in a manifest: exit %d\n%s\n%s", code, out, errOut)
			}

			// An install with --evaluate-templates, read back; its
			// processes scanned while they run (argv, environment) and
			// the disk afterwards.
			ns := "e2e-vals-" + h.name
			tmp := envValue(h.env, "TMPDIR")
			scan := newDiskScan(tmp, h.work, h.home())
			cmd := exec.Command(h.bin, "secrets", "--evaluate-templates", "-b", "vals", "install", "app", chart(), "-n", ns, "--create-namespace", "--wait", "-f", "vals.yaml")
			cmd.Dir, cmd.Env = h.work, h.env
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var outb, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &outb, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			checked := 0
		scanning:
			for {
				select {
				case err = <-done:
					break scanning
				case <-time.After(5 * time.Millisecond):
					for _, c := range []string{valsVaultCanary, valsKubeCanary} {
						leaks, n := argvEnvLeaks(cmd.Process.Pid, c)
						checked += n
						if len(leaks) > 0 {
							t.Errorf("a value in argv or environment: %v", leaks)
						}
					}
				}
			}
			if err != nil {
				t.Fatalf("install: %v\n%s\n%s", err, outb.String(), errb.String())
			}
			t.Cleanup(func() { h.run("uninstall", "app", "-n", ns) })
			if checked == 0 {
				t.Error("no process of the install was scanned")
			}
			s, err := kc.CoreV1().Secrets(ns).Get(ctx, "app-creds", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if string(s.Data["password"]) != valsVaultCanary || string(s.Data["token"]) != valsKubeCanary {
				t.Fatalf("installed Secret: %q", s.Data)
			}
			if o := outb.String() + errb.String(); strings.Contains(o, valsVaultCanary) || strings.Contains(o, valsKubeCanary) {
				t.Errorf("install printed a value:\n%s", o)
			}
			for _, c := range []string{valsVaultCanary, valsKubeCanary} {
				if hits := scan.find(c); len(hits) > 0 {
					t.Errorf("a value on disk: %v", hits)
				}
			}
			if left := privateDirsWithContent(tmp); len(left) > 0 {
				t.Errorf("left in private dirs: %v", left)
			}
			if _, err := os.Stat(filepath.Join(h.work, "vals.yaml.dec")); err == nil {
				t.Error("a .dec file was written")
			}
		})
	}
}

// evilChartTemplate is a third-party chart's own template holding nested
// references: vals would evaluate the inner ref+echo:// first and then
// run what it spelled (touch, in the working directory) or read the age
// key file.
const evilChartTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: evil
data:
  run: ref+ref+echo://exec://touch/pwned-canary
`

// TestValsNestedChart runs --evaluate-templates (our post-renderer and
// the helm-secrets-vals binary it starts) on a chart whose own template
// holds a nested ref+exec:// reference, on real helm v3 and v4: the
// command does not run (its canary file is not created), the run fails
// naming the manifest, the key path and how to allow exec; with
// HELM_SECRETS_VALS_PROVIDERS=default,exec the same chart does run it
// (the canary works). A nested ref+file:// to the age key file is
// refused too and its content is printed nowhere.
func TestValsNestedChart(t *testing.T) {
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			if h.name == "v4" {
				h.installPluginCopy(t, "secrets-post-renderer", "plugins/helm-secrets-post-renderer/plugin.yaml")
			}
			ageKey := testenv.WriteFile(t, t.TempDir(), "keys.txt", "AGE-SECRET-KEY-NESTED-CANARY\n")
			h.env = append(h.env, "SOPS_AGE_KEY_FILE="+ageKey)
			chartDir := filepath.Join(t.TempDir(), "evil")
			testenv.WriteFile(t, chartDir, "Chart.yaml", "apiVersion: v2\nname: evil\nversion: 0.1.0\n")
			testenv.WriteFile(t, chartDir, "templates/cm.yaml", evilChartTemplate)
			canary := filepath.Join(h.work, "pwned-canary")

			out, errOut, code := h.run("secrets", "--evaluate-templates", "template", "x", chartDir)
			if _, err := os.Stat(canary); err == nil {
				t.Fatalf("the chart's nested ref+exec:// ran its command\n%s", errOut)
			}
			if code == 0 || strings.Contains(out, "kind: ConfigMap") ||
				!strings.Contains(errOut, "manifest 1 (ConfigMap/evil)") || !strings.Contains(errOut, "key data.run: ref+exec://touch/pwned-canary") ||
				!strings.Contains(errOut, `vals provider "exec" is not allowed by default (it runs a command); to allow it, list it in HELM_SECRETS_VALS_PROVIDERS`) {
				t.Errorf("nested exec in a chart: exit %d\n%s\n%s", code, out, errOut)
			}

			testenv.WriteFile(t, chartDir, "templates/cm.yaml", strings.Replace(evilChartTemplate, "ref+ref+echo://exec://touch/pwned-canary", "ref+ref+echo://file://"+ageKey, 1))
			out, errOut, code = h.run("secrets", "--evaluate-templates", "template", "x", chartDir)
			if code == 0 || !strings.Contains(errOut, "reads only files inside the working directory") || strings.Contains(out+errOut, "NESTED-CANARY") {
				t.Errorf("nested file to the age key: exit %d\n%s\n%s", code, out, errOut)
			}

			// The operator lists exec: the same chart runs the command
			// (so the canary above could have appeared), and the
			// explicit opt-out warns.
			testenv.WriteFile(t, chartDir, "templates/cm.yaml", evilChartTemplate)
			out, errOut, code = h.runEnv([]string{"HELM_SECRETS_VALS_PROVIDERS=default,exec"}, "secrets", "--evaluate-templates", "template", "x", chartDir)
			if _, err := os.Stat(canary); code != 0 || err != nil {
				t.Fatalf("exec listed: exit %d, canary %v\n%s\n%s", code, err, out, errOut)
			}
			_ = os.Remove(canary)
			_, errOut, code = h.runEnv([]string{"HELM_SECRETS_VALS_PROVIDERS=all"}, "secrets", "--evaluate-templates", "template", "x", chartDir)
			if code != 0 || strings.Count(errOut, "HELM_SECRETS_VALS_PROVIDERS=all: vals references may") != 1 {
				t.Errorf("all: exit %d, want one warning:\n%s", code, errOut)
			}
			for _, quiet := range []struct {
				env  []string
				args []string
			}{
				{[]string{"ARGOCD_APP_NAME=app"}, nil},
				{nil, []string{"-q"}},
				{[]string{"HELM_SECRETS_QUIET=true"}, nil},
			} {
				_ = os.Remove(canary)
				args := append(append([]string{"secrets"}, quiet.args...), "--evaluate-templates", "template", "x", chartDir)
				_, errOut, code = h.runEnv(append([]string{"HELM_SECRETS_VALS_PROVIDERS=all"}, quiet.env...), args...)
				if code != 0 || strings.Contains(errOut, "HELM_SECRETS_VALS_PROVIDERS=all") {
					t.Errorf("all with %v %v: exit %d, want no warning:\n%s", quiet.env, quiet.args, code, errOut)
				}
			}
			_ = os.Remove(canary)
		})
	}
}
