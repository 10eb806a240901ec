//go:build unix

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// sha256File is the SHA-256 of a file in hex.
func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestInstallHookPlainHTTP runs scripts/install.sh itself (no helm, no
// release build) on a plugin directory without binaries, a release
// served over plain http from 127.0.0.1 (an archive of two stand-in
// binaries and its SHA256SUMS): without a pin the hook refuses before any
// request, since a SHA256SUMS from the same unauthenticated connection
// proves nothing; with HELM_SECRETS_RELEASE_SHA256 naming the archive or
// SHA256SUMS it installs; a wrong or malformed pin is refused; a directory
// source and an http source with the plugin's own SHA256SUMS need no pin.
func TestInstallHookPlainHTTP(t *testing.T) {
	osName := map[string]string{"linux": "linux", "darwin": "darwin"}[runtime.GOOS]
	if osName == "" {
		t.Skip("install.sh serves Linux and macOS")
	}
	arch := runtime.GOARCH
	archive := fmt.Sprintf("helm-secrets-%s-%s.tar.gz", osName, arch)
	rel := t.TempDir()
	stage := t.TempDir()
	testenv.WriteFile(t, stage, "bin/helm-secrets", "#!/bin/sh\necho stand-in\n")
	testenv.WriteFile(t, stage, "bin/helm-secrets-getter", "#!/bin/sh\necho stand-in\n")
	if out, err := exec.Command("tar", "-czf", filepath.Join(rel, archive), "-C", stage, "bin/helm-secrets", "bin/helm-secrets-getter").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	archiveSum := sha256File(t, filepath.Join(rel, archive))
	testenv.WriteFile(t, rel, "SHA256SUMS", archiveSum+"  "+archive+"\n")
	sumsSum := sha256File(t, filepath.Join(rel, "SHA256SUMS"))
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.FileServer(http.Dir(rel)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	script := filepath.Join(repoRoot, "scripts", "install.sh")

	for _, c := range []struct {
		name, base, pin string
		pluginSums      bool
		ok              bool
		message         string
	}{
		{name: "http-no-pin", base: srv.URL, message: "refusing to install from " + srv.URL + " over plain http"},
		{name: "HTTP-upper-no-pin", base: strings.Replace(srv.URL, "http://", "HTTP://", 1), message: "over plain http"},
		{name: "http-pin-archive", base: srv.URL, pin: archiveSum, ok: true, message: "pinned by HELM_SECRETS_RELEASE_SHA256"},
		{name: "http-pin-sums", base: srv.URL, pin: strings.ToUpper(sumsSum), ok: true, message: "pinned by HELM_SECRETS_RELEASE_SHA256"},
		{name: "http-wrong-pin", base: srv.URL, pin: strings.Repeat("ab", 32), message: "HELM_SECRETS_RELEASE_SHA256 is " + strings.Repeat("ab", 32)},
		{name: "bad-pin", base: srv.URL, pin: "not-a-checksum", message: "must be a SHA-256 in hex"},
		{name: "directory", base: rel, ok: true, message: "SHA-256 verified against " + rel + "/SHA256SUMS"},
		{name: "http-plugin-sums", base: srv.URL, pluginSums: true, ok: true, message: "(inside the plugin)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			plugin := t.TempDir()
			testenv.WriteFile(t, plugin, "plugin.yaml", "name: secrets\nversion: \"9.9.9\"\n")
			if c.pluginSums {
				testenv.WriteFile(t, plugin, "SHA256SUMS", archiveSum+"  "+archive+"\n")
			}
			tmp := t.TempDir()
			cmd := exec.Command("sh", script)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TMPDIR=" + tmp, "HELM_PLUGIN_DIR=" + plugin,
				"HELM_SECRETS_RELEASE_URL=" + c.base, "HELM_SECRETS_RELEASE_SHA256=" + c.pin}
			before := requests.Load()
			out, err := cmd.CombinedOutput()
			_, statErr := os.Stat(filepath.Join(plugin, "bin", "helm-secrets"))
			installed := statErr == nil
			if (err == nil) != c.ok || installed != c.ok || !strings.Contains(string(out), c.message) {
				t.Fatalf("exit %v, installed %t, want ok %t and %q:\n%s", err, installed, c.ok, c.message, out)
			}
			if !c.ok && !strings.Contains(c.name, "wrong") && requests.Load() != before {
				t.Errorf("refused, but only after %d request(s)", requests.Load()-before)
			}
		})
	}
}
