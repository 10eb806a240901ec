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

// demo runs scripts/demo.sh ARGS with env (added to a minimal
// environment) and returns its output and exit code.
func demo(t *testing.T, timeout time.Duration, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(repoRoot, "scripts", "demo.sh")}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	out, errOut, code := runCmd(t, cmd)
	if ctx.Err() != nil {
		t.Fatalf("scripts/demo.sh %s did not finish within %s\n%s\n%s", strings.Join(args, " "), timeout, out, errOut)
	}
	return out, errOut, code
}

// TestDemoHelp: scripts/demo.sh parses (bash -n); --help and -h print the
// usage on stdout and exit 0 at once, building and installing nothing; an
// unknown argument exits 2 with the usage on stderr.
func TestDemoHelp(t *testing.T) {
	if out, err := exec.Command("bash", "-n", filepath.Join(repoRoot, "scripts", "demo.sh")).CombinedOutput(); err != nil {
		t.Fatalf("bash -n scripts/demo.sh: %v\n%s", err, out)
	}
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "HELM_SECRETS_CACHE=" + filepath.Join(home, "cache")}
	for _, arg := range []string{"--help", "-h"} {
		start := time.Now()
		out, errOut, code := demo(t, time.Minute, env, arg)
		if code != 0 || !strings.Contains(out, "scripts/demo.sh --local-cluster") || !strings.Contains(out, "--help") || errOut != "" {
			t.Fatalf("demo.sh %s: exit %d\nstdout: %s\nstderr: %s", arg, code, out, errOut)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("demo.sh %s took %s: it runs more than the help", arg, d)
		}
	}
	_, errOut, code := demo(t, time.Minute, env, "--bogus")
	if code != 2 || !strings.Contains(errOut, "unknown argument") || !strings.Contains(errOut, "--local-cluster") {
		t.Fatalf("demo.sh --bogus: exit %d\n%s", code, errOut)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("--help and --bogus created %v in HOME", entries)
	}
}

// TestDemoRun runs the demo with helm 4 (HELM_BIN, in a fresh HOME, no
// cluster): it encrypts and renders the decrypted value, installs all three
// Helm 4 plugins (so README's --post-renderer secrets-post-renderer works
// afterwards), builds no sops, helmfile, vals or second helm, and its last
// lines name the helm it used by full path.
func TestDemoRun(t *testing.T) {
	var h4 *helmEnv
	for _, h := range helms(t) {
		if h.name == "v4" {
			h4 = h
		}
	}
	if h4 == nil {
		t.Skip("no helm 4")
	}
	home := t.TempDir()
	cache := filepath.Join(home, "cache")
	env := []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + os.TempDir(),
		"HELM_BIN=" + h4.bin,
		"HELM_SECRETS_CACHE=" + cache,
		"KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
	}
	for _, v := range []string{"GOCACHE", "GOMODCACHE"} {
		out, err := execOutput("go", "env", v)
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, v+"="+strings.TrimSpace(string(out)), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOTOOLCHAIN=local")
	}
	out, errOut, code := demo(t, 15*time.Minute, env)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	all := out + errOut
	for _, w := range []string{"== 1. Building", "(first time: about", "ENC[AES256_GCM", "demo-s3cret", "No reachable cluster", h4.bin + " secrets --help"} {
		if !strings.Contains(all, w) {
			t.Fatalf("demo output lacks %q:\n%s", w, all)
		}
	}
	if strings.Contains(all, "older sops") {
		t.Fatalf("demo output has noise:\n%s", all)
	}
	// Only the demo's binaries were built: no tools folder in the cache.
	if _, err := os.Stat(filepath.Join(cache, "tools")); err == nil {
		t.Fatalf("the demo installed tools into %s/tools", cache)
	}
	u := &helmEnv{t: t, bin: h4.bin, name: "v4", env: []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}, work: t.TempDir()}
	u.assertPluginList(t, "unknown|unsigned")
	u.assertPostRenderer(t)
}
