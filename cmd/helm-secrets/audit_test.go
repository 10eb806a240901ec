package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/audit"
	"github.com/helm-secrets/helm-secrets/internal/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const auditCanary = "CANARY-audit-7f3e"

// TestAuditConcurrentProcesses runs 16 decrypt, 4 rotate -r (5 files
// each), 4 encrypt processes and a failing decrypt at once, all writing
// to one HELM_SECRETS_AUDIT_LOG: every event is one well-formed line
// naming the file and the age key used, and the canary secret never
// appears in the log.
func TestAuditConcurrentProcesses(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH: %v", err)
	}
	testenv.Isolate(t)
	dir := t.TempDir()
	id := testenv.AgeKey(t)
	recipient := "age " + id.Recipient().String()
	keyFile := testenv.WriteFile(t, dir, "key.txt", id.String()+"\n")
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc, err := eng.Encrypt(context.Background(), []byte("password: "+auditCanary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	secret := testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
	log := filepath.Join(dir, "audit.jsonl")
	var cmds [][]string
	for range 16 {
		cmds = append(cmds, []string{"decrypt", secret})
	}
	for r := range 4 {
		for f := range 5 {
			testenv.WriteFile(t, dir, fmt.Sprintf("tree%d/f%d.yaml", r, f), string(enc))
		}
		cmds = append(cmds, []string{"rotate", "-r", filepath.Join(dir, fmt.Sprintf("tree%d", r))})
		plain := testenv.WriteFile(t, dir, fmt.Sprintf("plain%d.yaml", r), "password: "+auditCanary+"\n")
		cmds = append(cmds, []string{"encrypt", "-i", plain})
	}
	tampered := testenv.WriteFile(t, dir, "tampered.yaml", strings.Replace(string(enc), "password: ENC[AES256_GCM,data:", "password: ENC[AES256_GCM,data:AA", 1))
	cmds = append(cmds, []string{"decrypt", tampered})
	var wg sync.WaitGroup
	for _, args := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile, "HELM_SECRETS_AUDIT_LOG="+log, "ARGOCD_APP_NAME=guestbook")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if (err != nil) != (args[1] == tampered) {
				t.Errorf("%v: %v %s", args, err, stderr.String())
			}
		}()
	}
	wg.Wait()

	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(auditCanary)) {
		t.Fatal("the audit log holds the canary secret")
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, audit.MaxLine), audit.MaxLine)
	for sc.Scan() {
		var e audit.Event
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("not one JSON event: %v: %s", err, sc.Text())
		}
		if e.File == "" || e.Time == "" || e.PID == 0 || e.User == "" || e.ArgoCDApp != "guestbook" {
			t.Errorf("incomplete event: %s", sc.Text())
		}
		if e.Error == "" && (len(e.Keys) != 1 || e.Keys[0] != recipient) {
			t.Errorf("keys %q, want [%s]: %s", e.Keys, recipient, sc.Text())
		}
		key := e.Command + " " + e.Op
		if e.Error != "" {
			key += " failed"
		}
		counts[key]++
	}
	want := map[string]int{"decrypt decrypt": 16, "rotate decrypt": 20, "rotate encrypt": 20, "encrypt encrypt": 4, "decrypt decrypt failed": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%q: %d events, want %d (all: %v)", k, counts[k], n, counts)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("events: %v", counts)
	}
}

// An audit log that cannot be written stops the run before any plaintext
// is printed.
func TestAuditFailsClosed(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	t.Setenv("HELM_SECRETS_AUDIT_LOG", filepath.Join(dir, "missing", "audit.jsonl"))
	testenv.WriteFile(t, dir, "s.yaml", "a: b\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"decrypt", filepath.Join(dir, "s.yaml")}, IOStreams{Stdout: &out, Stderr: &errOut}); code == 0 || out.Len() > 0 {
		t.Fatalf("exit %d, stdout %q", code, out.String())
	}
	if !strings.Contains(errOut.String(), "HELM_SECRETS_AUDIT_LOG") {
		t.Errorf("stderr: %s", errOut.String())
	}
}
