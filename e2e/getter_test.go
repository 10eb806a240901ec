package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// setupGetter installs the plugins that give helm secrets and the
// secrets:// protocols: on Helm 3 the root plugin has both (h.setup); on
// Helm 4 the getter/v1 plugin from plugins/helm-secrets-getter joins the
// cli/v1 one, each with its own hook and binaries.
func (h *helmEnv) setupGetter(t *testing.T) {
	t.Helper()
	h.setup(t)
	if h.name == "v4" {
		h.installPluginCopy(t, "secrets-getter", "plugins/helm-secrets-getter/plugin.yaml")
	}
	out, errOut, code := h.run("plugin", "list")
	if code != 0 || !strings.Contains(out, "secrets ") || (h.name == "v4" && !strings.Contains(out, "secrets-getter")) {
		t.Fatalf("plugin list: %d\n%s\n%s", code, out, errOut)
	}
	// The CLI plugin still works next to the getter.
	if out, _, code := h.run("secrets", "--version"); code != 0 || strings.TrimSpace(out) != version.String() {
		t.Fatalf("helm secrets --version next to the getter: %d %q", code, out)
	}
}

// getterBin is the bin directory of the plugin that serves secrets://.
func (h *helmEnv) getterBin() string {
	dir := "helm-secrets"
	if h.name == "v4" {
		dir = "secrets-getter"
	}
	return filepath.Join(h.home(), "data", "plugins", dir, "bin")
}

// pgpKey is a PGP key pair in its own GNUPGHOME (its agent stopped at
// cleanup) with its secret key exported to a file.
type pgpKey struct {
	home, fpr, keyFile string
	eng                *encrypt.Engine
}

func newPGPKey(t *testing.T) *pgpKey {
	t.Helper()
	gpg := testenv.Tool(t, "GPG_BIN", "gpg")
	home, err := os.MkdirTemp("/tmp", "e2e-gpg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	run := func(args ...string) []byte {
		out, err := exec.Command(gpg, append([]string{"--batch", "--homedir", home}, args...)...).Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	run("--passphrase", "", "--quick-gen-key", "e2e-getter@example.com", "rsa2048", "encrypt,sign", "never")
	k := &pgpKey{home: home}
	for _, line := range strings.Split(string(run("--with-colons", "--list-secret-keys")), "\n") {
		if strings.HasPrefix(line, "fpr:") {
			k.fpr = strings.Split(line, ":")[9]
			break
		}
	}
	k.keyFile = testenv.WriteFile(t, t.TempDir(), "private.asc", string(run("--armor", "--export-secret-keys", k.fpr)))
	k.eng = encrypt.New(encrypt.Options{Keys: encrypt.Keys{GnuPGHome: home}})
	return k
}

func (k *pgpKey) encrypt(t *testing.T, plain string, f encrypt.Format) string {
	t.Helper()
	out, err := k.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: f, Recipients: &encrypt.Recipients{PGP: []string{k.fpr}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// home is h's private HOME.
func (h *helmEnv) home() string {
	for _, kv := range h.env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			return v
		}
	}
	return ""
}

// TestGetterProtocolsPlainHelm runs plain `helm template` with every
// protocol in -f and --set-file, on helm v3 and v4.
func TestGetterProtocolsPlainHelm(t *testing.T) {
	k := newKeys(t)
	pk := newPGPKey(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-age\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "token.txt", k.encrypt(t, canary+"-token\n", encrypt.FormatBinary))
			testenv.WriteFile(t, h.work, "secrets.gpg.yaml", pk.encrypt(t, "password: "+canary+"-gpg\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "token.gpg.txt", pk.encrypt(t, canary+"-gpgtoken", encrypt.FormatBinary))
			testenv.WriteFile(t, h.work, "plain.yaml", "port: 81\n")
			sub := filepath.Join(h.work, "sub")

			template := func(env []string, args ...string) (string, string, int) {
				t.Helper()
				return h.runEnv(env, append([]string{"template", "rel", chart()}, args...)...)
			}
			expect := func(env []string, want []string, args ...string) {
				t.Helper()
				out, errOut, code := template(env, args...)
				if code != 0 {
					t.Fatalf("helm template %v: exit %d\n%s", args, code, errOut)
				}
				for _, w := range want {
					if !strings.Contains(out, w) {
						t.Fatalf("helm template %v: output lacks %q:\n%s\nstderr: %s", args, w, out, errOut)
					}
				}
				if errOut != "" && strings.Contains(errOut, canary) {
					t.Fatalf("secret on stderr: %s", errOut)
				}
			}
			fails := func(env []string, want string, args ...string) {
				t.Helper()
				out, errOut, code := template(env, args...)
				if code == 0 || !strings.Contains(errOut, want) {
					t.Fatalf("helm template %v: want failure with %q; exit %d\n%s\n%s", args, want, code, out, errOut)
				}
			}
			envKey := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}

			// secrets:// with the environment's key, relative and absolute paths.
			expect(envKey, []string{`password: "` + canary + `-age"`, `token: "` + canary + `-token\n"`},
				"-f", "secrets://secrets.yaml", "--set-file", "token=secrets://"+filepath.Join(h.work, "token.txt"))
			expect(envKey, []string{`port: "81"`}, "-f", "secrets://plain.yaml")
			expect(envKey, []string{`port: "80"`}, "-f", "secrets://?missing.yaml")
			expect(append(envKey, "HELM_SECRETS_IGNORE_MISSING_VALUES=true"), []string{`port: "80"`}, "-f", "secrets://missing.yaml")
			fails(envKey, "[helm-secrets] File does not exist: not-exists.yaml", "-f", "secrets://not-exists.yaml")
			fails(envKey, "[helm-secrets] Can't find secret backend: nonexists", "-f", "secrets://nonexists!secrets.yaml")

			// age-import: the key comes from the URL only.
			expect(nil, []string{`password: "` + canary + `-age"`, `token: "` + canary + `-token\n"`},
				"-f", "secrets+age-import://"+k.keyFile+"?secrets.yaml",
				"--set-file", "token=secrets+age-import://"+k.keyFile+"?token.txt")
			expect(nil, []string{`port: "80"`}, "-f", "secrets+age-import://?"+k.keyFile+"?missing.yaml")
			fails([]string{"HELM_SECRETS_ALLOW_AGE_IMPORT=false"}, "[helm-secrets] secrets+age-import:// is not allowed in this context!",
				"-f", "secrets+age-import://"+k.keyFile+"?secrets.yaml")
			fails([]string{"HELM_SECRETS_KEY_LOCATION_PREFIX=/etc/keys/"}, "[helm-secrets] Key location '"+k.keyFile+"' is not allowed",
				"-f", "secrets+age-import://"+k.keyFile+"?secrets.yaml")

			// gpg-import: the key is imported into a private home and removed.
			expect(nil, []string{`password: "` + canary + `-gpg"`, `token: "` + canary + `-gpgtoken"`},
				"-f", "secrets+gpg-import://"+pk.keyFile+"?secrets.gpg.yaml",
				"--set-file", "token=secrets+gpg-import://sops!"+pk.keyFile+"?token.gpg.txt")
			fails([]string{"HELM_SECRETS_ALLOW_GPG_IMPORT=false"}, "[helm-secrets] secrets+gpg-import:// is not allowed in this context!",
				"-f", "secrets+gpg-import://"+pk.keyFile+"?secrets.gpg.yaml")

			// literal: a value that is not encrypted is used as is (an
			// encrypted sops literal is JSON, which helm's own URL parser
			// rejects before any getter runs; the wrapper takes those).
			expect(nil, []string{`token: "lit-87"`}, "--set-file", "token=secrets+literal://lit-87")
			expect(nil, []string{`token: "lit-88"`}, "--set-file", "token=secrets+literal://noop!lit-88")
			fails(nil, "Can't find secret backend: nonexists", "--set-file", "token=secrets+literal://nonexists!x")

			// Hardening of sources.
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			fails(append(envKey, "HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL=false"),
				"[helm-secrets] Values filepath 'sub/../secrets.yaml' contains '..'. Path traversal is not allowed.",
				"-f", "secrets://sub/../secrets.yaml")
			abs := filepath.Join(h.work, "secrets.yaml")
			fails(append(envKey, "HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH=false"),
				"[helm-secrets] Values filepath '"+abs+"' is an absolute path. Absolute paths are not allowed.",
				"-f", "secrets://"+abs)

			// Quiet under Argo CD: stderr is exactly helm's.
			_, errOut, code := template(append(envKey, "ARGOCD_APP_NAME=app"), "-f", "secrets://secrets.yaml")
			if code != 0 || errOut != "" {
				t.Fatalf("under ARGOCD_APP_NAME: exit %d, stderr %q", code, errOut)
			}
			assertNoGPGLeftovers(t, h)
		})
	}
}

// assertNoGPGLeftovers: no private GNUPGHOME in the helm run's TMPDIR and
// no gpg-agent serving one.
func assertNoGPGLeftovers(t *testing.T, h *helmEnv) {
	t.Helper()
	for _, kv := range h.env {
		tmp, ok := strings.CutPrefix(kv, "TMPDIR=")
		if !ok {
			continue
		}
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "helm-secrets-gnupg-") {
				t.Errorf("private GNUPGHOME left behind: %s", e.Name())
			}
		}
		procs, _ := os.ReadDir("/proc")
		for _, p := range procs {
			b, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
			if err == nil && bytes.Contains(b, []byte(tmp)) && bytes.Contains(b, []byte("gpg-agent")) {
				t.Errorf("gpg-agent left running: %s", strings.ReplaceAll(string(b), "\x00", " "))
			}
		}
	}
}

// TestGetterKubernetesInstall installs into the real API server with plain
// helm, reading the age and PGP keys from Secrets created with client-go.
func TestGetterKubernetesInstall(t *testing.T) {
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
	pk := newPGPKey(t)
	ctx := context.Background()
	ageKey, err := os.ReadFile(k.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	gpgKey, err := os.ReadFile(pk.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	const keyNS = "e2e-getter-keys"
	_, _ = kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: keyNS}}, metav1.CreateOptions{})
	for _, ns := range []string{keyNS, "default"} {
		_ = kc.CoreV1().Secrets(ns).Delete(ctx, "helm-secrets-keys", metav1.DeleteOptions{})
		_, err := kc.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "helm-secrets-keys"},
			Data:       map[string][]byte{"key.txt": ageKey, "private.asc": gpgKey},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = kc.CoreV1().Secrets(ns).Delete(context.Background(), "helm-secrets-keys", metav1.DeleteOptions{})
		})
	}
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-kube\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "token.gpg.txt", pk.encrypt(t, canary+"-kubegpg", encrypt.FormatBinary))
			ns := "e2e-getter-" + h.name
			rel := "app"
			readSecret := func() map[string][]byte {
				s, err := kc.CoreV1().Secrets(ns).Get(ctx, rel+"-creds", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return s.Data
			}
			out, errOut, code := h.run("install", rel, chart(), "-n", ns, "--create-namespace",
				"-f", "secrets+age-import-kubernetes://"+keyNS+"/helm-secrets-keys#key.txt?secrets.yaml",
				"--set-file", "token=secrets+gpg-import-kubernetes://"+keyNS+"/helm-secrets-keys#private.asc?token.gpg.txt")
			if code != 0 {
				t.Fatalf("helm install: exit %d\n%s\n%s", code, out, errOut)
			}
			t.Cleanup(func() { h.run("uninstall", rel, "-n", ns) })
			if d := readSecret(); string(d["password"]) != canary+"-kube" || string(d["token"]) != canary+"-kubegpg" {
				t.Fatalf("after install: password %q token %q", d["password"], d["token"])
			}
			if strings.Contains(out+errOut, canary) {
				t.Fatalf("helm printed the secret:\n%s\n%s", out, errOut)
			}

			// upgrade with a changed value.
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-kube2\n", encrypt.FormatYAML))
			out, errOut, code = h.run("upgrade", rel, chart(), "-n", ns,
				"-f", "secrets+age-import-kubernetes://"+keyNS+"/helm-secrets-keys#key.txt?secrets.yaml")
			if code != 0 {
				t.Fatalf("helm upgrade: exit %d\n%s\n%s", code, out, errOut)
			}
			if d := readSecret(); string(d["password"]) != canary+"-kube2" {
				t.Fatalf("after upgrade: password %q", d["password"])
			}

			// Without NS/ (and without -n) the key is read from the
			// default namespace.
			out, errOut, code = h.run("template", rel, chart(),
				"--set-file", "token=secrets+gpg-import-kubernetes://helm-secrets-keys#private.asc?token.gpg.txt")
			if code != 0 || !strings.Contains(out, `token: "`+canary+`-kubegpg"`) {
				t.Fatalf("default namespace: exit %d\n%s\n%s", code, out, errOut)
			}

			// Errors name the secret and key as the shell plugin does.
			_, errOut, code = h.run("template", rel, chart(), "-f", "secrets+age-import-kubernetes://"+keyNS+"/nosuch#key.txt?secrets.yaml")
			if code == 0 || !strings.Contains(errOut, "[helm-secrets] Couldn't get kubernetes secret "+keyNS+"/nosuch") {
				t.Fatalf("missing secret: exit %d\n%s", code, errOut)
			}
			_, errOut, code = h.run("template", rel, chart(), "-f", "secrets+age-import-kubernetes://"+keyNS+"/helm-secrets-keys#nokey?secrets.yaml")
			if code == 0 || !strings.Contains(errOut, "[helm-secrets] Couldn't find key nokey in kubernetes secret helm-secrets-keys") {
				t.Fatalf("missing key: exit %d\n%s", code, errOut)
			}
			assertNoGPGLeftovers(t, h)
		})
	}
}

// TestArgoCDShim runs scripts/wrapper/helm installed as `helm` ahead of
// the real helm in PATH, as on an Argo CD repo server.
func TestArgoCDShim(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			shimDir, realDir := t.TempDir(), t.TempDir()
			b, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "wrapper", "helm"))
			if err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, shimDir, "helm", string(b))
			if err := os.Chmod(filepath.Join(shimDir, "helm"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(h.bin, filepath.Join(realDir, "helm")); err != nil {
				t.Fatal(err)
			}
			shim := &helmEnv{t: t, bin: filepath.Join(shimDir, "helm"), name: h.name, work: h.work}
			for _, kv := range h.env {
				if !strings.HasPrefix(kv, "PATH=") {
					shim.env = append(shim.env, kv)
				}
			}
			shim.env = append(shim.env, "PATH="+shimDir+string(os.PathListSeparator)+realDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-shim\n", encrypt.FormatYAML))
			abs := filepath.Join(h.work, "secrets.yaml")
			on := []string{"HELM_SECRETS_WRAPPER_ENABLED=true", "SOPS_AGE_KEY_FILE=" + k.keyFile, "ARGOCD_APP_NAME=app"}

			// Other commands go straight to helm.
			out, errOut, code := shim.runEnv(on, "version", "--short")
			if code != 0 || !strings.HasPrefix(out, h.name) {
				t.Fatalf("shim version: %d %q %s", code, out, errOut)
			}
			// template goes through helm secrets (an absolute $values path).
			out, errOut, code = shim.runEnv(on, "template", "rel", chart(), "-f", abs)
			if code != 0 || !strings.Contains(out, `password: "`+canary+`-shim"`) {
				t.Fatalf("shim template: %d\n%s\n%s", code, out, errOut)
			}
			if errOut != "" {
				t.Fatalf("quiet under ARGOCD_APP_NAME: stderr %q", errOut)
			}
			// The getter schemes work through the shim too.
			out, errOut, code = shim.runEnv(on, "template", "rel", chart(), "-f", "secrets+age-import://"+k.keyFile+"?secrets.yaml")
			if code != 0 || !strings.Contains(out, `password: "`+canary+`-shim"`) {
				t.Fatalf("shim template secrets+age-import://: %d\n%s\n%s", code, out, errOut)
			}
			// Disabled (anything but "true"): plain helm, which cannot read
			// the encrypted file as values.
			out, _, code = shim.runEnv([]string{"HELM_SECRETS_WRAPPER_ENABLED=1", "SOPS_AGE_KEY_FILE=" + k.keyFile}, "template", "rel", chart(), "-f", abs)
			if code == 0 && strings.Contains(out, `password: "`+canary+`-shim"`) {
				t.Fatalf("disabled shim decrypted: %s", out)
			}
			// HELM_BIN pointing at the shim itself never recurses.
			out, errOut, code = shim.runEnv(append(on, "HELM_BIN="+shim.bin), "template", "rel", chart(), "-f", abs)
			if code != 0 || !strings.Contains(out, `password: "`+canary+`-shim"`) {
				t.Fatalf("HELM_BIN=shim: %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// TestGetterLeanPath checks, through real helm, that the lean downloader
// (bin/helm-secrets-getter) decrypts an age-keyed YAML file without
// starting the full binary, with the same output as the full downloader,
// and that it hands everything else to the full binary unchanged.
func TestGetterLeanPath(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			bin := h.getterBin()
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-lean\nport: 5432\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "commented.yaml", k.encrypt(t, "# a comment\npassword: "+canary+"-full\n", encrypt.FormatYAML))

			run := func(name string, args ...string) string {
				t.Helper()
				cmd := exec.Command(filepath.Join(bin, name), args...)
				cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s %v: %v", name, args, err)
				}
				return string(out)
			}
			full := run("helm-secrets", "downloader", "", "", "", "secrets://secrets.yaml")

			// Replace the full binary with one that records its start.
			real := filepath.Join(bin, "helm-secrets")
			saved, err := os.ReadFile(real)
			if err != nil {
				t.Fatal(err)
			}
			marker := filepath.Join(t.TempDir(), "started")
			testenv.WriteFile(t, bin, "helm-secrets", "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" \"$5\" >> "+marker+"\nexit 1\n")
			if err := chmodX(real); err != nil {
				t.Fatal(err)
			}
			// Byte for byte the full downloader's output, without it.
			if lean := run("helm-secrets-getter", "", "", "", "secrets://secrets.yaml"); lean != full || !strings.Contains(lean, canary) {
				t.Fatalf("lean %q, full %q", lean, full)
			}
			out, errOut, code := h.runEnv(env, "template", "rel", chart(), "-f", "secrets://secrets.yaml")
			if code != 0 || !strings.Contains(out, canary+"-lean") {
				t.Fatalf("lean path through helm: exit %d\n%s\n%s", code, out, errOut)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the lean getter started the full binary for an age-keyed YAML file")
			}
			if _, _, code := h.runEnv(env, "template", "rel", chart(), "-f", "secrets://commented.yaml"); code == 0 {
				t.Fatal("a file with comments must go to the full binary (replaced by one that fails)")
			}
			got, err := os.ReadFile(marker)
			if err != nil || string(got) != "5\ndownloader\nsecrets://commented.yaml\n" {
				t.Fatalf("hand-off arguments: %q (%v)", got, err)
			}
			if err := os.WriteFile(real, saved, 0o755); err != nil {
				t.Fatal(err)
			}
		})
	}
}
