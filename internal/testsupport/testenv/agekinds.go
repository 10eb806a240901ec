package testenv

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"
)

// AgeKeyPair is one age key of some kind as a user configures it: the
// recipient written in .sops.yaml, and the environment through which sops
// (and the engine, looking where sops looks) finds the private key.
type AgeKeyPair struct {
	Recipient string
	Env       map[string]string // variable -> value
}

// EnvList is Env as NAME=value entries, for exec.Cmd.Env.
func (k AgeKeyPair) EnvList() []string {
	var out []string
	for n, v := range k.Env {
		out = append(out, n+"="+v)
	}
	return out
}

// Setenv sets k.Env for the rest of the test (t.Setenv).
func (k AgeKeyPair) Setenv(t testing.TB) {
	t.Helper()
	for n, v := range k.Env {
		t.Setenv(n, v)
	}
}

// AgeKeyKinds are the kinds of age key sops supports besides X25519, in
// the order of AgeKeyOf's argument.
var AgeKeyKinds = []string{"pq", "ssh-ed25519", "ssh-rsa", "plugin"}

// AgeKeyOf makes a fresh key of kind (one of AgeKeyKinds, or "x25519"),
// its private part in a file under dir:
//
//   - x25519, pq: an age-keygen style key file in SOPS_AGE_KEY_FILE
//     (pq: a post-quantum hybrid identity, AGE-SECRET-KEY-PQ-1…,
//     recipient age1pq1…);
//   - ssh-ed25519, ssh-rsa: an unencrypted OpenSSH private key in
//     SOPS_AGE_SSH_PRIVATE_KEY_FILE, recipient the authorized_keys line;
//   - plugin: an AGE-PLUGIN-HELMTEST-1… identity in SOPS_AGE_KEY_FILE for
//     the test plugin age-plugin-helmtest (see AgePluginDir), recipient
//     age1helmtest1….
func AgeKeyOf(t testing.TB, kind, dir string) AgeKeyPair {
	t.Helper()
	keyFile := func(name, secret string) string {
		f, err := os.CreateTemp(dir, name+"-*.txt")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(secret + "\n"); err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	switch kind {
	case "x25519":
		id := AgeKey(t)
		return AgeKeyPair{id.Recipient().String(), map[string]string{"SOPS_AGE_KEY_FILE": keyFile("x25519", id.String())}}
	case "pq":
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			t.Fatal(err)
		}
		return AgeKeyPair{id.Recipient().String(), map[string]string{"SOPS_AGE_KEY_FILE": keyFile("pq", id.String())}}
	case "ssh-ed25519", "ssh-rsa":
		var priv any
		var pub ssh.PublicKey
		if kind == "ssh-ed25519" {
			p, s, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if pub, err = ssh.NewPublicKey(p); err != nil {
				t.Fatal(err)
			}
			priv = s
		} else {
			s, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			if pub, err = ssh.NewPublicKey(&s.PublicKey); err != nil {
				t.Fatal(err)
			}
			priv = s
		}
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		rcpt := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
		return AgeKeyPair{rcpt, map[string]string{"SOPS_AGE_SSH_PRIVATE_KEY_FILE": keyFile(kind, strings.TrimSpace(string(pem.EncodeToMemory(block))))}}
	case "plugin":
		x := AgeKey(t)
		rcpt := plugin.EncodeRecipient("helmtest", []byte(x.Recipient().String()))
		id := plugin.EncodeIdentity("helmtest", []byte(x.String()))
		if rcpt == "" || id == "" {
			t.Fatal("encoding the plugin key failed")
		}
		return AgeKeyPair{rcpt, map[string]string{"SOPS_AGE_KEY_FILE": keyFile("plugin", id)}}
	}
	t.Fatalf("unknown age key kind %q", kind)
	return AgeKeyPair{}
}

var (
	pluginOnce sync.Once
	pluginDir  string
	pluginErr  error
)

// AgePluginDir builds the test age plugin (pkg/encrypt/testdata/ageplugin,
// a real plugin speaking the age plugin protocol, recipient-v1 and
// identity-v1) once per test binary and returns the directory holding
// age-plugin-helmtest, to put on PATH. Each run of the plugin appends a
// line to the file named by HELMTEST_PLUGIN_LOG, when set.
func AgePluginDir(t testing.TB) string {
	t.Helper()
	pluginOnce.Do(func() {
		root := RepoRoot()
		pluginDir, pluginErr = os.MkdirTemp("", "helm-secrets-ageplugin-")
		if pluginErr != nil {
			return
		}
		name := "age-plugin-helmtest"
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(pluginDir, name), "./pkg/encrypt/testdata/ageplugin")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginErr = &buildError{err, string(out)}
		}
	})
	if pluginErr != nil {
		t.Fatalf("building the test age plugin: %v", pluginErr)
	}
	return pluginDir
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }
