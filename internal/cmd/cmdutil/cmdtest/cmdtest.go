// Package cmdtest builds a cmdutil.Factory for the tests of the command
// packages: buffers for streams, an isolated key environment with one age
// key and a .sops.yaml for it in a fresh working directory, the real
// in-process sops engine.
package cmdtest

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Env is one command test's world.
type Env struct {
	F           *cmdutil.Factory
	Out, ErrOut *bytes.Buffer
	Dir         string // the working directory, holding .sops.yaml
	Identity    *age.X25519Identity
}

// New isolates the key environment, changes into a fresh directory whose
// .sops.yaml encrypts every file for a new age key, and returns a Factory
// for the backend called name ("sops", "noop") with that key.
func New(t *testing.T, name string) *Env {
	t.Helper()
	testenv.Isolate(t)
	dir := t.TempDir()
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	t.Chdir(dir)
	id := testenv.AgeKey(t)
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}}})
	sel := &backend.Selector{Engine: eng}
	b, err := sel.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, Dir: dir, Identity: id}
	e.F = &cmdutil.Factory{
		IO:       cmdutil.IOStreams{In: strings.NewReader(""), Out: e.Out, ErrOut: e.ErrOut},
		Printer:  cmdutil.Printer{ErrOut: e.ErrOut},
		Engine:   eng,
		Backends: sel,
		Backend:  b,
		Version:  "0.0.0-test",
	}
	return e
}

// Audit turns the audit trail on, into a file it returns the path of.
func (e *Env) Audit(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	e.F.Audit = l
	return path
}

// Encrypted writes name (below Dir) encrypted from the YAML plain and
// returns its path.
func (e *Env) Encrypted(t *testing.T, name, plain string) string {
	t.Helper()
	path := filepath.Join(e.Dir, name)
	out, err := e.F.Engine.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.WriteFile(t, e.Dir, name, string(out))
}

// Decrypt decrypts data with the Env's key.
func (e *Env) Decrypt(t *testing.T, data []byte) string {
	t.Helper()
	plain, err := e.F.Engine.Decrypt(context.Background(), data, encrypt.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	return string(plain)
}
