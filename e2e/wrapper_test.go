package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const canary = "e2e-CANARY-5d0c"

func TestPluginLoadsOnBothHelms(t *testing.T) {
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			out, errOut, code := h.run("plugin", "list")
			if code != 0 || !strings.Contains(out, "secrets") {
				t.Fatalf("plugin list: %d\n%s\n%s", code, out, errOut)
			}
			out, _, code = h.run("secrets", "--version")
			if code != 0 || strings.TrimSpace(out) != version.String() {
				t.Fatalf("helm secrets --version: %d %q", code, out)
			}
			// Helm's own commands still work with the plugin installed.
			if _, errOut, code := h.run("version"); code != 0 {
				t.Fatalf("helm version broke: %s", errOut)
			}
		})
	}
}

func TestTemplateLintAndLiteral(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "values.yaml", "port: 8080\n")
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}

			out, errOut, code := h.runEnv(env, "secrets", "template", "rel", chart(), "-f", "secrets.yaml", "-f", "values.yaml")
			if code != 0 {
				t.Fatalf("template: %d\n%s", code, errOut)
			}
			if !strings.Contains(out, `password: "`+canary+`"`) || !strings.Contains(out, `port: "8080"`) {
				t.Fatalf("rendered output lacks the decrypted values:\n%s", out)
			}
			if !strings.Contains(errOut, "[helm-secrets] Decrypt: secrets.yaml") {
				t.Fatalf("stderr lacks the Decrypt line:\n%s", errOut)
			}
			// No file was written, so none is announced as removed.
			if strings.Contains(errOut, "Removed") {
				t.Fatalf("stderr announces a removal of a file that never existed:\n%s", errOut)
			}

			if _, errOut, code := h.runEnv(env, "secrets", "lint", chart(), "-f", "secrets.yaml"); code != 0 {
				t.Fatalf("lint: %d\n%s", code, errOut)
			}

			// An encrypted literal in --set reaches the chart, not argv.
			lit := k.encrypt(t, canary+"-token", encrypt.FormatBinary)
			lit = `\` + strings.ReplaceAll(strings.ReplaceAll(lit, `\`, `\\`), ",", `\,`)
			out, errOut, code = h.runEnv(env, "secrets", "template", "rel", chart(), "--set", "token="+lit)
			if code != 0 || !strings.Contains(out, `token: "`+canary+`-token"`) {
				t.Fatalf("--set literal: %d\n%s\n%s", code, out, errOut)
			}

			// Quiet mode: helm's output only, like plain helm.
			_, errOut, _ = h.runEnv(append(env, "HELM_SECRETS_QUIET=true"), "secrets", "template", "rel", chart(), "-f", "secrets.yaml")
			if strings.Contains(errOut, "[helm-secrets]") {
				t.Fatalf("quiet run printed: %s", errOut)
			}
		})
	}
}

func TestUndecryptableFileNeverStartsHelm(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			enc := k.encrypt(t, "password: "+canary+"\n", encrypt.FormatYAML)
			testenv.WriteFile(t, h.work, "tampered.yaml", strings.Replace(enc, "password: ENC[AES256_GCM,data:", "password: ENC[AES256_GCM,data:AA", 1))
			out, errOut, code := h.runEnv([]string{"SOPS_AGE_KEY_FILE=" + k.keyFile}, "secrets", "template", "rel", chart(), "-f", "tampered.yaml")
			if code == 0 || !strings.Contains(errOut, "tampered.yaml") || out != "" {
				t.Fatalf("want failure naming the file and no helm output; got %d\nstdout %q\nstderr %s", code, out, errOut)
			}
			if strings.Contains(out+errOut, canary) {
				t.Fatal("secret leaked")
			}
		})
	}
}

// TestInstallUpgradeRollback installs into the real API server with each
// helm, changes an encrypted value, rolls back, and reads the Kubernetes
// Secret after each step.
func TestInstallUpgradeRollback(t *testing.T) {
	if os.Getenv("KUBECONFIG") == "" {
		if testenv.Required() {
			t.Fatal("KUBECONFIG not set: start the cluster with scripts/cluster.sh")
		}
		t.Skip("no cluster (KUBECONFIG unset)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			ns := "e2e-wrap-" + h.name
			rel := "app"
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}
			readSecret := func() string {
				s, err := kc.CoreV1().Secrets(ns).Get(context.Background(), rel+"-creds", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return string(s.Data["password"])
			}
			step := func(args ...string) {
				t.Helper()
				out, errOut, code := h.runEnv(env, args...)
				if code != 0 {
					t.Fatalf("helm %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
				}
				if strings.Contains(out, canary) {
					t.Fatalf("helm printed the secret: %s", out)
				}
			}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-v1\n", encrypt.FormatYAML))
			step("secrets", "install", rel, chart(), "-n", ns, "--create-namespace", "-f", "secrets.yaml")
			if got := readSecret(); got != canary+"-v1" {
				t.Fatalf("after install: %q", got)
			}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-v2\n", encrypt.FormatYAML))
			step("secrets", "upgrade", "--install", rel, chart(), "-n", ns, "-f", "secrets.yaml")
			if got := readSecret(); got != canary+"-v2" {
				t.Fatalf("after upgrade: %q", got)
			}
			step("rollback", rel, "1", "-n", ns)
			if got := readSecret(); got != canary+"-v1" {
				t.Fatalf("after rollback: %q", got)
			}
			step("uninstall", rel, "-n", ns)
			_ = base64.StdEncoding
			_ = fmt.Sprint
		})
	}
}
