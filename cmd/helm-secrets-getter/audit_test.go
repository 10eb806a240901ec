package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const auditCanary = "CANARY-lean-audit-5b2e"

// TestAuditLeanGetter installs the built lean getter as the downloader of
// a Helm 3 plugin, next to a stand-in full binary that fails loudly, and
// runs the real helm 3 on -f secrets://FILE with HELM_SECRETS_AUDIT_LOG
// set: the fast path decrypts (no hand-off), the log gets exactly one
// well-formed event per file (op, command getter, the secrets:// URL, the
// recipient of our identity that the file lists and not the other one,
// the git commit, user and pid), and no decrypted value is in it. With a
// log that cannot be opened, the lean getter hands off instead of
// decrypting without the record.
func TestAuditLeanGetter(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in full binary is a shell script")
	}
	helm := testenv.Tool(t, "HELM3_BIN", "helm")
	git := testenv.Tool(t, "GIT_BIN", "git")
	testenv.Isolate(t)
	plugins, work, keys := t.TempDir(), t.TempDir(), t.TempDir()
	pdir := filepath.Join(plugins, "secrets-getter")
	bin := filepath.Join(pdir, "bin", "helm-secrets-getter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	testenv.WriteFile(t, pdir, "plugin.yaml", "name: \"secrets-getter\"\nversion: \"0.1.0\"\nusage: \"test\"\ndescription: \"test\"\n"+
		"downloaders:\n  - command: \"bin/helm-secrets-getter\"\n    protocols: [\"secrets\"]\n")
	full := testenv.WriteFile(t, pdir, "bin/helm-secrets", "#!/bin/sh\necho HANDED-OFF >&2\nexit 9\n")
	if err := os.Chmod(full, 0o755); err != nil {
		t.Fatal(err)
	}

	ours, other := testenv.AgeKey(t), testenv.AgeKey(t)
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{ours}, NoEnvironment: true}})
	enc := func(plain string, to ...*age.X25519Identity) string {
		r := &encrypt.Recipients{}
		for _, id := range to {
			r.Age = append(r.Age, id.Recipient().String())
		}
		out, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: r})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	testenv.WriteFile(t, work, "chart/Chart.yaml", "apiVersion: v2\nname: lean\nversion: 0.1.0\n")
	testenv.WriteFile(t, work, "chart/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lean\ndata:\n"+
		"  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n")
	testenv.WriteFile(t, work, "a.yaml", enc("a: "+auditCanary+"-a\n", ours))
	testenv.WriteFile(t, work, "b.yaml", enc("b: "+auditCanary+"-b\n", other, ours))
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	var head string
	for _, args := range [][]string{{"init", "-q", "."}, {"add", "-A"}, {"commit", "-q", "-m", "fixture"}, {"rev-parse", "HEAD"}} {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = work, gitEnv
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		head = strings.TrimSpace(string(out))
	}

	helmRun := func(log string) (string, string, error) {
		cmd := exec.Command(helm, "template", "rel", "chart", "-f", "secrets://a.yaml", "-f", "secrets://b.yaml")
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "HELM_PLUGINS="+plugins, "SOPS_AGE_KEY="+ours.String(), "HELM_SECRETS_AUDIT_LOG="+log)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	log := filepath.Join(keys, "audit.jsonl")
	out, errOut, err := helmRun(log)
	if err != nil || strings.Contains(errOut, "HANDED-OFF") {
		t.Fatalf("helm template: %v\n%s", err, errOut)
	}
	for _, v := range []string{"a", "b"} {
		if !strings.Contains(out, v+`: "`+auditCanary+"-"+v+`"`) {
			t.Fatalf("helm did not get %s:\n%s", v, out)
		}
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(auditCanary)) || bytes.Contains(data, []byte("AGE-SECRET-KEY")) {
		t.Fatalf("the audit log holds a secret:\n%s", data)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), data)
	}
	files := map[string]bool{}
	for _, line := range lines {
		var e audit.Event
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("not one JSON event: %v: %s", err, line)
		}
		files[e.File] = true
		if e.Op != "decrypt" || e.Command != "getter" || e.Error != "" || e.Time == "" || e.PID == 0 || e.User == "" || e.GitCommit != head {
			t.Errorf("event: %s (want git_commit %s)", line, head)
		}
		if want := []string{"age " + ours.Recipient().String()}; !slices.Equal(e.Keys, want) {
			t.Errorf("%s: keys %q, want %q", e.File, e.Keys, want)
		}
	}
	if !files["secrets://a.yaml"] || !files["secrets://b.yaml"] {
		t.Errorf("files %v", files)
	}

	// A log that cannot be opened: no decryption without the record.
	_, errOut, err = helmRun(filepath.Join(keys, "missing", "audit.jsonl"))
	if err == nil || !strings.Contains(errOut, "HANDED-OFF") {
		t.Fatalf("with an unwritable log: %v\n%s", err, errOut)
	}
}
