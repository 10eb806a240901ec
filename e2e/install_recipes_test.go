package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shellRecipe runs script with sh -ec in dir, env replacing the process
// environment, and fails the test unless it exits 0.
func shellRecipe(t *testing.T, dir string, env []string, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-ec", script)
	cmd.Dir = dir
	cmd.Env = env
	out, errOut, code := runCmd(t, cmd)
	if code != 0 {
		t.Fatalf("sh -ec <<'EOF'\n%s\nEOF\nexit %d\n%s\n%s", script, code, out, errOut)
	}
	return out + errOut
}

// helmOnPath is a new folder holding `helm`, a link to h's binary, for
// recipes that run the name helm.
func helmOnPath(t *testing.T, h *helmEnv) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(h.bin, filepath.Join(dir, "helm")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestShellPluginManualInstall runs the shell plugin's manual install line
// (docs: "Manual installation", macOS / Linux) verbatim but for the URL, a
// file:// URL of this release: helm-secrets.tar.gz unpacked into
// $(helm env HELM_PLUGINS) installs a working Helm 3 plugin (no install
// hook runs: the archive's own binaries serve), which uninstalls.
func TestShellPluginManualInstall(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	k := newKeys(t)
	r := release(t)
	for _, h := range helms(t) {
		if h.name != "v3" {
			continue // Helm 4 has its own recipe: the three packages (TestShellPluginArgoCDRecipe)
		}
		h.newHome(t)
		h.withoutGo(t)
		env := append([]string{}, h.env...)
		env = append(env, "PATH="+helmOnPath(t, h)+string(os.PathListSeparator)+os.Getenv("PATH"))
		// A fresh home has no plugins folder yet (tar -C needs one).
		if err := os.MkdirAll(h.pluginsDir(), 0o755); err != nil {
			t.Fatal(err)
		}
		url := "file://" + r.dir
		shellRecipe(t, h.work, env,
			`curl -LsSf `+url+`/helm-secrets.tar.gz | tar -C "$(helm env HELM_PLUGINS)" -xzf-`)
		if _, err := os.Stat(filepath.Join(h.pluginsDir(), "helm-secrets", "plugin.yaml")); err != nil {
			t.Fatalf("the archive did not unpack into a helm-secrets folder: %v", err)
		}
		h.assertPluginList(t, "")
		h.assertDecrypts(t, k, true)
		h.assertBackendLibrary(t, true)
		h.mustRun(t, "plugin", "uninstall", "secrets")
		if out, _ := h.mustRun(t, "plugin", "list"); strings.Contains(out, "secrets") {
			t.Fatalf("still installed after uninstall:\n%s", out)
		}
	}
}

// readmeCheckoutInstall returns the lines of README.md's checkout install
// block: those before "# Helm 4" (Helm 3's) and all of them up to "# Helm 3"
// plus those from "# Helm 4" (Helm 4's).
func readmeCheckoutInstall(t *testing.T) (helm3, helm4 string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "From a checkout")
	if !ok {
		t.Fatal(`README.md has no "From a checkout" paragraph`)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal("README.md: no sh block after \"From a checkout\"")
	}
	common, rest, ok := strings.Cut(block, "# Helm 3")
	h3, h4, ok2 := strings.Cut(rest, "# Helm 4")
	if !ok || !ok2 || !strings.Contains(h3, "helm plugin install") || !strings.Contains(h4, "helm plugin install") {
		t.Fatalf("README.md's checkout block is not: common lines, # Helm 3 ..., # Helm 4 ...:\n%s", block)
	}
	return common + "# Helm 3" + h3, common + "# Helm 4" + h4
}

// TestReadmeCheckoutInstall runs README.md's checkout install lines
// verbatim, Helm 3's with helm 3 and Helm 4's with helm 4 as `helm` on
// PATH, both in ONE home (the default helm folders of a machine with both
// majors). Then both work side by side (helm secrets, secrets://, the
// post-renderer; each lists its plugins), uninstall, and install again.
// The hook copies the test's binaries (HELM_SECRETS_BINARY) instead of
// building them, to save minutes; which step the hook takes is
// TestInstallFromCheckout's subject.
func TestReadmeCheckoutInstall(t *testing.T) {
	k := newKeys(t)
	hs := helms(t)
	if len(hs) != 2 {
		t.Skip("needs helm 3 and helm 4")
	}
	lines3, lines4 := readmeCheckoutInstall(t)
	home := t.TempDir()
	src := filepath.Join(t.TempDir(), "helm-secrets")
	copyCheckout(t, src)
	base := []string{
		"HOME=" + home,
		"TMPDIR=" + os.TempDir(),
		"HELM_SECRETS_BINARY=" + pluginBin,
	}
	// The environment each major runs with after the README's lines: Helm
	// 4's adds what its lines export (HELM_DATA_HOME).
	envAfter := map[string][]string{}
	install := func(t *testing.T) {
		t.Helper()
		for _, h := range hs {
			lines := lines3
			if h.name == "v4" {
				lines = lines4
			}
			env := append(append([]string{}, base...), "PATH="+helmOnPath(t, h)+string(os.PathListSeparator)+os.Getenv("PATH"))
			out := shellRecipe(t, src, env, lines+"\nenv | grep '^HELM_DATA_HOME=' || true\n")
			e := append([]string{}, base...)
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "HELM_DATA_HOME=") {
					e = append(e, line)
				}
			}
			envAfter[h.name] = e
		}
	}
	use := func(t *testing.T) {
		t.Helper()
		for _, h := range hs {
			u := &helmEnv{t: t, bin: h.bin, name: h.name, env: append(append([]string{}, envAfter[h.name]...), "PATH="+os.Getenv("PATH")), work: t.TempDir()}
			if h.name == "v4" {
				u.assertPluginList(t, "unknown|unsigned")
				u.assertPostRenderer(t)
			} else {
				u.assertPluginList(t, "")
			}
			u.assertDecrypts(t, k, true)
		}
	}
	uninstall := func(t *testing.T) {
		t.Helper()
		for _, h := range hs {
			u := &helmEnv{t: t, bin: h.bin, name: h.name, env: append(append([]string{}, envAfter[h.name]...), "PATH="+os.Getenv("PATH")), work: t.TempDir()}
			names := []string{"secrets"}
			if h.name == "v4" {
				names = []string{"secrets", "secrets-getter", "secrets-post-renderer"}
			}
			for _, n := range names {
				u.mustRun(t, "plugin", "uninstall", n)
			}
			if out, _ := u.mustRun(t, "plugin", "list"); strings.Contains(out, "secrets") {
				t.Fatalf("helm %s: still installed after uninstall:\n%s", h.name, out)
			}
		}
	}
	install(t)
	use(t)
	uninstall(t)
	install(t)
	use(t)
}
