package main

// Cross-compatibility with the real sops CLI, in both directions: files
// encrypted by sops decrypt with our CLI, files encrypted by our CLI decrypt
// with sops, and the plaintext is byte-identical to `sops --decrypt`. Run
// with the pinned sops from scripts/test-deps.sh (SOPS_BIN); gpg for the
// PGP cases (GPG_BIN). HELM_SECRETS_REQUIRE_TOOLS=1 turns a missing tool
// into a failure.

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// compatCase is one document and the creation-rule options to encrypt it with.
type compatCase struct {
	name  string
	file  string // name, which decides the format
	plain string // "" means random binary data
	rule  string // extra creation rule lines, e.g. "encrypted_regex: ^data$"
	// plaintext values that must stay visible in the encrypted file, and
	// ones that must not
	visible, hidden []string
}

var compatCases = []compatCase{
	{name: "yaml", file: "secrets.yaml", plain: `# a comment
global_secret: global_bar
nested:
    list:
        - one
        - 2
        - true
    empty: ""
    nothing: null
port_unencrypted: 8080
multiline: |
    line one
    line two
`, visible: []string{"port_unencrypted: 8080"}, hidden: []string{"global_bar", "line one"}},
	{name: "yaml multi-document", file: "multi.yaml", plain: "first: one-1\nshared: a\n---\nsecond: two-2\nshared: b\n",
		// "-" is not in base64: the words cannot appear in ciphertext by chance.
		hidden: []string{"one-1", "two-2"}},
	{name: "yaml encrypted_regex", file: "secret.yaml", rule: "encrypted_regex: ^(data|stringData)$",
		plain:   "apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: hunter2\n    user: admin\n",
		visible: []string{"kind: Secret", "name: db"}, hidden: []string{"hunter2", "admin"}},
	{name: "yaml unencrypted_suffix", file: "suffix.yaml", rule: "unencrypted_suffix: _plain",
		plain:   "host_plain: db.example.com\npassword: hunter2\nport_unencrypted: 5432\n",
		visible: []string{"host_plain: db.example.com"}, hidden: []string{"hunter2", "5432"}},
	{name: "json", file: "config.json", plain: "{\n\t\"password\": \"hunter2\",\n\t\"port\": 5432,\n\t\"tags\": [\n\t\t\"a\",\n\t\t\"b\"\n\t],\n\t\"enabled\": true\n}\n",
		hidden: []string{"hunter2", "5432"}},
	{name: "json encrypted_regex", file: "partial.json", rule: "encrypted_regex: ^password$",
		plain:   "{\n\t\"password\": \"hunter2\",\n\t\"user\": \"admin\"\n}\n",
		visible: []string{`"user": "admin"`}, hidden: []string{"hunter2"}},
	{name: "dotenv", file: "app.env", plain: "DB_PASSWORD=hunter2\nDB_USER=app\nEMPTY=\n",
		hidden: []string{"hunter2"}},
	{name: "dotenv unencrypted_suffix", file: "suffix.env", rule: "unencrypted_suffix: _PUBLIC",
		plain:   "TOKEN=abc123\nURL_PUBLIC=https://example.com\n",
		visible: []string{"URL_PUBLIC=https://example.com"}, hidden: []string{"abc123"}},
	{name: "binary", file: "blob.bin"},
	{name: "binary text with trailing newlines", file: "notes.txt", plain: "no yaml here\n\n\n"},
}

// TestSopsCompatAge runs every case with an age key.
func TestSopsCompatAge(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	keyFile := testenv.WriteFile(t, t.TempDir(), "keys.txt", id.String()+"\n")
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	for _, tc := range compatCases {
		t.Run(tc.name, func(t *testing.T) {
			checkBothWays(t, sops, "age: "+id.Recipient().String(), tc)
		})
	}
}

// TestSopsCompatPGP runs the cases with a throwaway GnuPG key (real gpg,
// in a private GNUPGHOME whose agent is stopped afterwards).
func TestSopsCompatPGP(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	gpg := testenv.Tool(t, "GPG_BIN", "gpg")
	testenv.Isolate(t)
	fpr := newGPGKey(t, gpg)
	t.Setenv("SOPS_GPG_EXEC", gpg)
	for _, tc := range compatCases {
		if tc.name != "yaml" && tc.name != "yaml multi-document" && tc.name != "json" &&
			tc.name != "dotenv" && tc.name != "binary" && tc.name != "yaml encrypted_regex" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			checkBothWays(t, sops, "pgp: "+fpr, tc)
		})
	}
}

// newGPGKey creates a passphrase-less key in a fresh GNUPGHOME (set for the
// test) and returns its fingerprint. The agent it starts is killed at the
// end of the test.
func newGPGKey(t *testing.T, gpg string) string {
	t.Helper()
	// A short path: gpg-agent's socket path must fit in sun_path.
	home, err := os.MkdirTemp("", "hs-gpg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GNUPGHOME", home)
	t.Cleanup(func() {
		kill := exec.Command(gpgconf(gpg), "--kill", "all")
		kill.Env = append(os.Environ(), "GNUPGHOME="+home)
		_ = kill.Run()
		_ = os.RemoveAll(home)
	})
	run := func(args ...string) string {
		cmd := exec.Command(gpg, append([]string{"--batch", "--no-tty", "--quiet"}, args...)...)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("gpg %s: %v: %s", strings.Join(args, " "), err, stderr)
		}
		return string(out)
	}
	run("--passphrase", "", "--quick-gen-key", "helm-secrets test <test@example.invalid>", "default", "default", "never")
	for _, line := range strings.Split(run("--list-secret-keys", "--with-colons"), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			return f[9]
		}
	}
	t.Fatal("no fingerprint in gpg's key list")
	return ""
}

// gpgconf is the gpgconf next to gpg, else from the PATH.
func gpgconf(gpg string) string {
	if p := filepath.Join(filepath.Dir(gpg), "gpgconf"); fileExists(p) {
		return p
	}
	return "gpgconf"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// checkBothWays encrypts the same plaintext once with sops and once with
// our CLI, then decrypts each with both, and compares.
func checkBothWays(t *testing.T, sops, key string, tc compatCase) {
	t.Helper()
	dir := t.TempDir()
	rule := "creation_rules:\n  - " + key + "\n"
	if tc.rule != "" {
		rule += "    " + tc.rule + "\n"
	}
	testenv.WriteFile(t, dir, ".sops.yaml", rule)
	plain := []byte(tc.plain)
	if tc.plain == "" {
		plain = make([]byte, 4096)
		if _, err := rand.Read(plain); err != nil {
			t.Fatal(err)
		}
	}
	bySops := filepath.Join(dir, "sops-"+tc.file)
	byUs := filepath.Join(dir, "us-"+tc.file)
	for _, p := range []string{bySops, byUs} {
		if err := os.WriteFile(p, plain, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Encrypt: sops in the file's directory (it looks for .sops.yaml from
	// there), we from anywhere.
	sopsRun(t, sops, dir, "--encrypt", "--in-place", filepath.Base(bySops))
	if stdout, stderr, code := runCLI(t, "", "encrypt", "-i", byUs); code != 0 || stdout != "" {
		t.Fatalf("our encrypt: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}

	for _, p := range []string{bySops, byUs} {
		enc, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range tc.visible {
			if !bytes.Contains(enc, []byte(v)) {
				t.Errorf("%s: %q should stay in plaintext:\n%s", filepath.Base(p), v, enc)
			}
		}
		for _, v := range tc.hidden {
			if bytes.Contains(enc, []byte(v)) {
				t.Errorf("%s: %q should be encrypted:\n%s", filepath.Base(p), v, enc)
			}
		}
		if tc.plain == "" && bytes.Contains(enc, plain[:32]) {
			t.Errorf("%s: binary plaintext visible", filepath.Base(p))
		}
	}

	// Same structure: the same keys encrypted, the same left alone.
	sopsEnc, _ := os.ReadFile(bySops)
	ourEnc, _ := os.ReadFile(byUs)
	if a, b := shape(t, tc.file, sopsEnc), shape(t, tc.file, ourEnc); a != b {
		t.Errorf("encrypted documents differ in shape\nsops:\n%s\nours:\n%s", a, b)
	}

	// Decrypt each file with both tools: four identical plaintexts.
	want := sopsRun(t, sops, dir, "--decrypt", filepath.Base(bySops))
	for _, p := range []string{bySops, byUs} {
		fromSops := sopsRun(t, sops, dir, "--decrypt", filepath.Base(p))
		stdout, stderr, code := runCLI(t, "", "decrypt", p)
		if code != 0 {
			t.Fatalf("our decrypt of %s: exit %d: %s", filepath.Base(p), code, stderr)
		}
		if stdout != string(fromSops) {
			t.Errorf("%s: our plaintext differs from sops -d\nours: %q\nsops: %q", filepath.Base(p), stdout, fromSops)
		}
		if !bytes.Equal(fromSops, want) {
			t.Errorf("%s: sops -d gives %q, but %q for the file sops encrypted", filepath.Base(p), fromSops, want)
		}
	}
	// Formats that round-trip exactly through sops give the input back.
	if tc.plain == "" || strings.HasSuffix(tc.file, ".env") || strings.HasSuffix(tc.file, ".txt") || strings.HasSuffix(tc.file, ".json") {
		if !bytes.Equal(want, plain) {
			t.Errorf("sops -d is not the original plaintext:\n%q\n%q", want, plain)
		}
	}

	// decrypt -i with our CLI gives sops' plaintext on disk, too.
	if _, stderr, code := runCLI(t, "", "decrypt", "-i", byUs); code != 0 {
		t.Fatalf("our decrypt -i: %s", stderr)
	}
	if got, _ := os.ReadFile(byUs); !bytes.Equal(got, want) {
		t.Errorf("decrypt -i wrote %q, want %q", got, want)
	}
}

// sopsRun runs the sops CLI in dir and returns its stdout.
func sopsRun(t *testing.T, sops, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(sops, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "SOPS_DISABLE_VERSION_CHECK=1")
	if err := cmd.Run(); err != nil {
		t.Fatalf("sops %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

var encValue = regexp.MustCompile(`ENC\[AES256_GCM,data:[^,]*,iv:[^,]*,tag:[^,]*,type:(\w+)\]`)

// shape is an encrypted document without its sops metadata and with every
// ciphertext replaced by ENC[type]: what must match between sops and us.
func shape(t *testing.T, file string, enc []byte) string {
	t.Helper()
	text := encValue.ReplaceAllString(string(enc), "ENC[$1]")
	switch filepath.Ext(file) {
	case ".yaml":
		var out []string
		inSops := false
		for _, line := range strings.Split(text, "\n") {
			switch {
			case line == "sops:":
				inSops = true
			case line == "---":
				inSops = false
				out = append(out, line)
			case inSops && (strings.HasPrefix(line, " ") || line == ""):
			default:
				inSops = false
				out = append(out, line)
			}
		}
		return strings.Join(out, "\n")
	case ".json":
		var doc map[string]any
		if err := json.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatalf("encrypted JSON: %v", err)
		}
		delete(doc, "sops")
		b, _ := json.MarshalIndent(doc, "", "  ")
		return string(b)
	case ".env":
		var out []string
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "sops_") {
				out = append(out, line)
			}
		}
		return strings.Join(out, "\n")
	}
	var doc map[string]any // binary: {"data": ENC[...], "sops": {...}}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("encrypted binary document: %v", err)
	}
	return fmt.Sprint(doc["data"])
}
