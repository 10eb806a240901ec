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

// TestFastPath runs the fast path on files it must handle and on files it
// must hand off.
func TestFastPath(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SOPS_AGE_KEY", id.String())
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc := func(plain string, f encrypt.Format) string {
		out, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: f, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	testenv.WriteFile(t, dir, "s.yaml", enc("password: hunter2\n", encrypt.FormatYAML))
	testenv.WriteFile(t, dir, "s.json", enc(`{"password":"hunter2"}`, encrypt.FormatJSON))
	testenv.WriteFile(t, dir, "conf/s.yaml", enc("password: hunter2\n", encrypt.FormatYAML))
	testenv.WriteFile(t, dir, "conf/.sops.yaml", "stores:\n  yaml:\n    indent: 2\n")
	testenv.WriteFile(t, dir, "rules/s.yml", enc("password: hunter2\n", encrypt.FormatYAML))
	testenv.WriteFile(t, dir, "rules/.sops.yaml", "creation_rules:\n  - age: x\n")
	if err := os.Symlink("s.yaml", filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	args := func(u string) []string { return []string{"", "", "", u} }
	for _, u := range []string{"secrets://s.yaml", "secrets://rules/s.yml", "secrets://link.yaml"} {
		out, ok := fastPath(args(u))
		if !ok || string(out) != "password: hunter2\n" {
			t.Errorf("%s: got (%q, %v), want the plaintext", u, out, ok)
		}
	}
	for _, u := range []string{
		"secrets://s.json", "secrets://conf/s.yaml", "secrets://?s.yaml", "secrets://sops!s.yaml",
		"secrets://missing.yaml", "secrets+literal://x", "secrets+age-import://k?s.yaml", "secrets://https://h/s.yaml",
	} {
		if out, ok := fastPath(args(u)); ok || out != nil {
			t.Errorf("%s: handled (%q), want a hand-off", u, out)
		}
	}
	if _, ok := fastPath([]string{"secrets://s.yaml"}); ok {
		t.Error("wrong argument count handled")
	}
	t.Setenv("HELM_SECRETS_VALUES_ALLOW_SYMLINKS", "false")
	if _, ok := fastPath(args("secrets://link.yaml")); ok {
		t.Error("a refused symlink was handled (the full downloader must refuse it)")
	}
	t.Setenv("SOPS_AGE_KEY", testenv.AgeKey(t).String())
	if _, ok := fastPath(args("secrets://s.yaml")); ok {
		t.Error("handled with the wrong key")
	}
}

// TestHandOff builds the binary next to a stand-in helm-secrets and checks
// that unhandled URLs reach it with the same arguments, streams and exit
// code.
func TestHandOff(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in is a shell script")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "helm-secrets-getter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	testenv.WriteFile(t, dir, "helm-secrets", "#!/bin/sh\necho \"out:$#:$1:$5\"\necho err >&2\nexit 7\n")
	if err := os.Chmod(filepath.Join(dir, "helm-secrets"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "c", "k", "ca", "secrets://missing.yaml")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 7 || string(out) != "out:5:downloader:secrets://missing.yaml\n" || stderr.String() != "err\n" {
		t.Fatalf("hand-off: err %v, stdout %q, stderr %q", err, out, stderr.String())
	}
	if err := os.Remove(filepath.Join(dir, "helm-secrets")); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "c", "k", "ca", "secrets://missing.yaml").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot start helm-secrets downloader") {
		t.Fatalf("without the full binary: %v %q", err, out)
	}
}

// TestLeanImports: the lean getter starts once per secrets:// file, so it
// links only age, the YAML library sops uses, x/sys and the standard
// library, plus our own small packages; never sops, a KMS client or Helm.
func TestLeanImports(t *testing.T) {
	allowed := []string{
		"filippo.io/age", "filippo.io/edwards25519", "filippo.io/hpke", "golang.org/x/crypto/", "golang.org/x/sys/",
		"go.yaml.in/yaml/v3", "gopkg.in/yaml.v3",
		"github.com/helm-secrets/helm-secrets/internal/lean/sopslite", "github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy",
		"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck", "github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary",
		"github.com/helm-secrets/helm-secrets/internal/foundation/bounds",
		"github.com/helm-secrets/helm-secrets/internal/hardening/nodump", "github.com/helm-secrets/helm-secrets/internal/lean/fastpath",
		"github.com/helm-secrets/helm-secrets/internal/lean/handoff", "github.com/helm-secrets/helm-secrets/internal/foundation/settings", "github.com/helm-secrets/helm-secrets/internal/foundation/commalist",
		"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle",
		"github.com/helm-secrets/helm-secrets/internal/foundation/version", "github.com/helm-secrets/helm-secrets/internal/foundation/audit",
		"github.com/helm-secrets/helm-secrets/cmd/helm-secrets-getter",
	}
	testenv.CheckImports(t, "the lean getter", allowed)
}
