package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

var (
	repoRoot  string
	pluginBin string // the helm-secrets binary built for this run
	binaryErr error
)

func TestMain(m *testing.M) {
	repoRoot = testenv.RepoRoot()
	dir, err := os.MkdirTemp("", "helm-secrets-e2e-bin-")
	if err != nil {
		panic(err)
	}
	pluginBin = filepath.Join(dir, "helm-secrets")
	// The install hook takes the lean wrapper and getter and the vals
	// binary from next to HELM_SECRETS_BINARY.
	for _, pkg := range []string{"helm-secrets", "helm-secrets-wrapper", "helm-secrets-getter", "helm-secrets-vals"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, pkg), "./cmd/"+pkg)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil && binaryErr == nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	removeRelease()
	os.Exit(code)
}

// helmEnv is one helm version with the plugin installed into private
// helm home directories.
type helmEnv struct {
	t    *testing.T
	bin  string
	name string // "v3" or "v4"
	env  []string
	work string // working directory with the values files
}

func helms(t *testing.T) []*helmEnv {
	t.Helper()
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	var out []*helmEnv
	for _, v := range []struct{ name, env string }{{"v3", "HELM3_BIN"}, {"v4", "HELM4_BIN"}} {
		if os.Getenv(v.env) == "" && !testenv.Required() {
			continue
		}
		bin := testenv.Tool(t, v.env, "helm-"+v.name)
		out = append(out, &helmEnv{t: t, bin: bin, name: v.name})
	}
	if len(out) == 0 {
		t.Skip("no helm binaries (HELM3_BIN/HELM4_BIN); run scripts/test-deps.sh")
	}
	return out
}

// setup gives h private helm homes and installs the plugin with its own
// manifest and install hook.
func (h *helmEnv) setup(t *testing.T) {
	t.Helper()
	h.newHome(t)
	// Install a copy of the plugin directory, as a user installing a
	// release would; the hook copies HELM_SECRETS_BINARY into it. Helm 3:
	// the root plugin (helm secrets and the secrets:// downloaders); Helm
	// 4: the cli/v1 plugin (setupGetter adds the getter/v1 one).
	if h.name == "v3" {
		h.installPluginCopy(t, "helm-secrets", "plugin.yaml")
	} else {
		h.installPluginCopy(t, "secrets", "plugins/helm-secrets-cli/plugin.yaml")
	}
}

// newHome gives h private, empty helm homes, a working directory, and an
// environment whose install hook takes the binary built for this run.
func (h *helmEnv) newHome(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	h.work = t.TempDir()
	h.env = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		// Not HELM_PLUGINS: Helm 4 local installs ignore it
		// (helm/helm#32646); both default to $HELM_DATA_HOME/plugins.
		"TMPDIR=" + filepath.Join(home, "tmp"),
		"HELM_SECRETS_BINARY=" + pluginBin,
	}
	if kc := os.Getenv("KUBECONFIG"); kc != "" {
		h.env = append(h.env, "KUBECONFIG="+kc)
	}
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
}

// installPluginCopy copies the manifest (a path in the checkout), the
// completion script and the install hooks into a fresh directory named
// name, as a release would lay them out, and runs helm plugin install on it.
func (h *helmEnv) installPluginCopy(t *testing.T, name, manifest string) {
	t.Helper()
	src := filepath.Join(h.home(), "src", name)
	for _, p := range [][2]string{{manifest, "plugin.yaml"}, {"plugin.complete", "plugin.complete"}, {"scripts/install.sh", "scripts/install.sh"}, {"scripts/install.ps1", "scripts/install.ps1"}} {
		b, err := os.ReadFile(filepath.Join(repoRoot, p[0]))
		if err != nil {
			t.Fatal(err)
		}
		testenv.WriteFile(t, src, p[1], string(b))
	}
	for _, p := range []string{"scripts/install.sh", "plugin.complete"} {
		if err := os.Chmod(filepath.Join(src, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"plugin", "install", src}
	if h.name == "v4" {
		args = append(args, "--verify=false")
	}
	if out, errOut, code := h.run(args...); code != 0 {
		t.Fatalf("helm %s plugin install %s: exit %d\n%s\n%s", h.name, name, code, out, errOut)
	}
}

// run runs helm with the given args in h.work and returns stdout, stderr
// and the exit code.
func (h *helmEnv) run(args ...string) (string, string, int) {
	return h.runEnv(nil, args...)
}

func (h *helmEnv) runEnv(extra []string, args ...string) (string, string, int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Dir = h.work
	cmd.Env = append(append([]string{}, h.env...), extra...)
	return runCmd(h.t, cmd)
}

// runCmd runs cmd and returns its stdout, stderr and exit code; a command
// that cannot be run at all fails the test.
func runCmd(t testing.TB, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", strings.Join(cmd.Args, " "), err)
	}
	return out.String(), errb.String(), code
}

// keys is an age key pair whose identity the plugin finds through
// SOPS_AGE_KEY_FILE, as users configure it.
type keys struct {
	id      *age.X25519Identity
	keyFile string
	eng     *encrypt.Engine
}

func newKeys(t *testing.T) *keys {
	id := testenv.AgeKey(t)
	kf := testenv.WriteFile(t, t.TempDir(), "keys.txt", id.String()+"\n")
	return &keys{id: id, keyFile: kf, eng: encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})}
}

func (k *keys) encrypt(t *testing.T, plain string, f encrypt.Format) string {
	t.Helper()
	out, err := k.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: f, Recipients: &encrypt.Recipients{Age: []string{k.id.Recipient().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func chart() string { return filepath.Join(repoRoot, "testdata", "charts", "app") }

func chmodX(p string) error { return os.Chmod(p, 0o755) }
