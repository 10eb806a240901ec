package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
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

// TestAuditWrapperEvents runs the helm wrapper (the real helm 3) on two
// values files encrypted for different age keys, an encrypted --set
// literal and an encrypted values file fetched over http:// with a
// password in its URL: one event per source, each naming exactly the key
// that decrypted that source; the URL is logged redacted, and neither the
// password nor a decrypted value appears in the log.
func TestAuditWrapperEvents(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH: %v", err)
	}
	helm := testenv.Tool(t, "HELM3_BIN", "helm")
	git := testenv.Tool(t, "GIT_BIN", "git")
	testenv.Isolate(t)
	dir, keys := t.TempDir(), t.TempDir()
	id1, id2 := testenv.AgeKey(t), testenv.AgeKey(t)
	key1, key2 := "age "+id1.Recipient().String(), "age "+id2.Recipient().String()
	keyFile := testenv.WriteFile(t, keys, "keys.txt", id1.String()+"\n"+id2.String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id1, id2}, NoEnvironment: true}})
	enc := func(plain string, f encrypt.Format, to *age.X25519Identity) string {
		out, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: f, Recipients: &encrypt.Recipients{Age: []string{to.Recipient().String()}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	testenv.WriteFile(t, dir, "chart/Chart.yaml", "apiVersion: v2\nname: audit\nversion: 0.1.0\n")
	testenv.WriteFile(t, dir, "chart/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: audit\ndata:\n"+
		"  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n  token: {{ .Values.token | quote }}\n  remote: {{ .Values.remote | quote }}\n")
	testenv.WriteFile(t, dir, "a.yaml", enc("a: "+auditCanary+"-a\n", encrypt.FormatYAML, id1))
	testenv.WriteFile(t, dir, "b.yaml", enc("b: "+auditCanary+"-b\n", encrypt.FormatYAML, id2))
	testenv.WriteFile(t, dir, "plain.yaml", "c: plain\n")
	lit := enc(auditCanary+"-token", encrypt.FormatBinary, id2)
	lit = `\` + strings.ReplaceAll(strings.ReplaceAll(lit, `\`, `\\`), ",", `\,`)
	// The files are in a git work tree: their events carry its commit.
	gitRun := func(args ...string) string {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitRun("init", "-q", ".")
	gitRun("add", "-A")
	gitRun("commit", "-q", "-m", "fixture")
	head := gitRun("rev-parse", "HEAD")

	const user, pass = "ci-user", "Pa55-audit-9c1d"
	remote := enc("remote: "+auditCanary+"-remote\n", encrypt.FormatYAML, id1)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass || r.URL.Path != "/remote.yaml" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(remote))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	remoteURL := "http://" + user + ":" + pass + "@" + strings.TrimPrefix(srv.URL, "http://") + "/remote.yaml"
	shownURL := urls.Redact(remoteURL)
	if strings.Contains(shownURL, pass) {
		t.Fatalf("urls.Redact kept the password: %s", shownURL)
	}

	log := filepath.Join(keys, "audit.jsonl")
	cmd := exec.Command(bin, "template", "rel", "chart", "-f", "a.yaml", "-f", "plain.yaml", "-f", "b.yaml", "-f", remoteURL, "--set", "token="+lit)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile, "HELM_SECRETS_HELM_PATH="+helm, "HELM_SECRETS_AUDIT_LOG="+log)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("template: %v\n%s", err, stderr.String())
	}
	for _, v := range []string{"a", "b", "token", "remote"} {
		if !strings.Contains(stdout.String(), v+`: "`+auditCanary+"-"+v+`"`) {
			t.Fatalf("helm did not get %s:\n%s\n%s", v, stdout.String(), stderr.String())
		}
	}

	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(auditCanary)) || bytes.Contains(data, []byte(pass)) {
		t.Fatalf("the audit log holds a secret:\n%s", data)
	}
	type want struct {
		keys      []string
		gitCommit string
	}
	wants := map[string]want{
		"a.yaml":      {[]string{key1}, head},
		"b.yaml":      {[]string{key2}, head},
		"--set token": {[]string{key2}, ""},
		shownURL:      {[]string{key1}, ""},
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var e audit.Event
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("not one JSON event: %v: %s", err, line)
		}
		w, ok := wants[e.File]
		if !ok || seen[e.File] {
			t.Errorf("unexpected event: %s", line)
			continue
		}
		seen[e.File] = true
		if e.Op != "decrypt" || e.Command != "wrapper" || e.Error != "" || e.Time == "" || e.PID == 0 || e.User == "" {
			t.Errorf("event: %s", line)
		}
		if !slices.Equal(e.Keys, w.keys) {
			t.Errorf("%s: keys %q, want %q", e.File, e.Keys, w.keys)
		}
		if e.GitCommit != w.gitCommit {
			t.Errorf("%s: git_commit %q, want %q", e.File, e.GitCommit, w.gitCommit)
		}
	}
	if len(seen) != len(wants) {
		t.Errorf("events for %v, want one for each of %v\n%s", seen, wants, data)
	}

	// With redaction on, every decrypted value is masked in helm's
	// output, the fetched URL's too.
	cmd = exec.Command(bin, "template", "rel", "chart", "-f", "a.yaml", "-f", "b.yaml", "-f", remoteURL, "--set", "token="+lit)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile, "HELM_SECRETS_HELM_PATH="+helm, "HELM_SECRETS_REDACT=true")
	stdout.Reset()
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("template with redaction: %v\n%s", err, stderr.String())
	}
	for _, v := range []string{"a", "b", "token", "remote"} {
		if !strings.Contains(stdout.String(), v+": \"[redacted]\"") {
			t.Errorf("%s is not masked:\n%s", v, stdout.String())
		}
	}
	if strings.Contains(stdout.String()+stderr.String(), auditCanary) {
		t.Errorf("a decrypted value is in the output:\n%s\n%s", stdout.String(), stderr.String())
	}
}

// TestAuditNoSecretsInLog: a canary scan of the audit log file after the
// getter was given a secrets+literal:// value and URLs whose credentials
// are nested in getter URLs (secrets://http://user:pass@…,
// secrets+gpg-import://KEY?https://user:pass@…, a NAME! prefix), and after
// the wrapper met a tampered file. Before, the log held the literal and
// the nested passwords, and the tampered file left no event; now every
// getter call has its event with the URL redacted (the literal as
// secrets+literal://…), the tampered file a failure event, and neither
// canary is anywhere in the log.
func TestAuditNoSecretsInLog(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH: %v", err)
	}
	testenv.Isolate(t)
	dir, keys := t.TempDir(), t.TempDir()
	const literal, pass = "CANARY-literal-41d7", "CANARY-pass-0b9e"
	id := testenv.AgeKey(t)
	keyFile := testenv.WriteFile(t, keys, "keys.txt", id.String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc, err := eng.Encrypt(context.Background(), []byte("password: "+auditCanary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "tampered.yaml", strings.Replace(string(enc), "password: ENC[AES256_GCM,data:", "password: ENC[AES256_GCM,data:AA", 1))
	testenv.WriteFile(t, dir, "chart/Chart.yaml", "apiVersion: v2\nname: audit\nversion: 0.1.0\n")
	testenv.WriteFile(t, dir, "chart/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: audit\n")
	// Nothing listens there: the fetches fail, after their URL was seen.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostPort := l.Addr().String()
	l.Close()
	log := filepath.Join(keys, "audit.jsonl")
	env := append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile, "HELM_SECRETS_AUDIT_LOG="+log)
	getterURLs := []string{
		"secrets+literal://" + literal,
		"secrets://http://user:" + pass + "@" + hostPort + "/v.yaml",
		"secrets://sops!https://user:" + pass + "@" + hostPort + "/v.yaml",
		"secrets+gpg-import://" + filepath.Join(dir, "key.asc") + "?https://user:" + pass + "@" + hostPort + "/v.yaml",
		"secrets+age-import://" + keyFile + "?http://" + pass + "@" + hostPort + "/v.yaml",
	}
	for _, u := range getterURLs {
		cmd := exec.Command(bin, "downloader", "", "", "", u)
		cmd.Dir, cmd.Env = dir, env
		out, _ := cmd.CombinedOutput()
		if bytes.Contains(out, []byte(pass)) {
			t.Errorf("%s: the password is in a message: %s", urls.Redact(u), out)
		}
	}
	// A key location refused by policy is named in the error message:
	// through the one redactor too.
	keyURL := "secrets+age-import://https://user:" + pass + "@" + hostPort + "/key.txt?secrets.yaml"
	getterURLs = append(getterURLs, keyURL)
	cmd := exec.Command(bin, "downloader", "", "", "", keyURL)
	cmd.Dir, cmd.Env = dir, append(env, "HELM_SECRETS_KEY_LOCATION_PREFIX="+keys)
	if out, _ := cmd.CombinedOutput(); bytes.Contains(out, []byte(pass)) || !bytes.Contains(out, []byte("is not allowed")) {
		t.Errorf("key location message: %s", out)
	}
	cmd = exec.Command(bin, "template", "rel", "chart", "-f", "tampered.yaml")
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the tampered file was accepted: %s", out)
	}

	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{literal, pass, auditCanary} {
		if bytes.Contains(data, []byte(c)) {
			t.Errorf("the audit log holds %s:\n%s", c, data)
		}
	}
	var files []string
	tamperedFailed := false
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var e audit.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not one JSON event: %v: %s", err, line)
		}
		files = append(files, e.File)
		if e.File == "tampered.yaml" && e.Command == "wrapper" && e.Op == "decrypt" && e.Error != "" {
			tamperedFailed = true
		}
	}
	for _, u := range getterURLs {
		if !slices.Contains(files, urls.Redact(u)) {
			t.Errorf("no getter event for %s: %q", urls.Redact(u), files)
		}
	}
	if !slices.Contains(files, "secrets+literal://…") {
		t.Errorf("the literal is not logged as secrets+literal://…: %q", files)
	}
	if !tamperedFailed {
		t.Errorf("no failure event for the tampered file:\n%s", data)
	}
}
