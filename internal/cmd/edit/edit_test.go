package edit

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

func TestMain(m *testing.M) {
	// The test binary is its own guard, as the plugin's binary is.
	if code, ok := privdir.GuardMain(os.Args[1:], Kind()); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// lines is the run's stderr: our messages, one per line.
type lines struct{ bytes.Buffer }

// messages returns our messages, without the prefix.
func (l *lines) messages() []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(l.String(), "\n"), "\n") {
		if m, ok := strings.CutPrefix(line, cmdutil.Prefix); ok {
			out = append(out, m)
		}
	}
	return out
}

// fixture is a folder with an age key, a creation rule for it and an
// encrypted secrets.yaml; TMPDIR is a folder of its own.
type fixture struct {
	dir, tmp, file string
	eng            *encrypt.Engine
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.Isolate(t)
	f := &fixture{dir: t.TempDir(), tmp: t.TempDir()}
	t.Setenv("TMPDIR", f.tmp)
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, t.TempDir(), "key.txt", id.String()+"\n"))
	testenv.WriteFile(t, f.dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	f.file = testenv.WriteFile(t, f.dir, "secrets.yaml", "password: hunter2\n")
	f.eng = encrypt.New(encrypt.Options{})
	out, err := f.eng.EncryptFile(context.Background(), f.file, encrypt.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// options edits file with the sops backend and the given editor command
// line, its stderr (our messages) into l, guarded by the test binary.
func (f *fixture) options(t *testing.T, file, editor string, l *lines) *Options {
	t.Helper()
	b, err := backend.Selector{Engine: f.eng}.Get("sops")
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	return &Options{
		Factory: &cmdutil.Factory{
			IO:      cmdutil.IOStreams{In: bytes.NewReader(nil), Out: &stdout, ErrOut: l},
			Printer: cmdutil.Printer{ErrOut: l},
			Engine:  f.eng,
			Backend: b,
		},
		File:            file,
		Editor:          func() (string, string) { return editor, "$EDITOR" },
		GuardExecutable: os.Executable,
	}
}

// decrypt returns the file's plaintext.
func (f *fixture) decrypt(t *testing.T, file string) string {
	t.Helper()
	b, err := f.eng.DecryptFile(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tmpEmpty fails unless TMPDIR is empty: no plaintext left behind.
func (f *fixture) tmpEmpty(t *testing.T) {
	t.Helper()
	if entries, _ := os.ReadDir(f.tmp); len(entries) > 0 {
		t.Errorf("TMPDIR not empty: %s", entries[0].Name())
	}
}

func TestRunNeedsBackend(t *testing.T) {
	if err := Run(context.Background(), &Options{File: "x.yaml"}); err == nil {
		t.Fatal("Run without a backend succeeded")
	}
}
