package privdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKind's Clean appends the directory's name to the file its operand
// names, so tests see who cleaned what.
var testKind = Kind{
	Prefix:   "privdir-test-",
	Command:  "__privdir-test-guard",
	Operands: 1,
	Clean: func(dir string, operands []string) {
		f, err := os.OpenFile(operands[0], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err == nil {
			_, _ = f.WriteString(filepath.Base(dir) + "\n")
			_ = f.Close()
		}
	},
}

func TestMain(m *testing.M) {
	// The test binary is its own guard, as the plugin's binary is.
	if code, ok := GuardMain(os.Args[1:], testKind); ok {
		os.Exit(code)
	}
	if os.Getenv("PRIVDIR_TEST_CREATOR") != "" {
		os.Exit(creator())
	}
	os.Exit(m.Run())
}

// cleaned returns the names Clean logged in log.
func cleaned(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func TestNewAndClose(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	log := filepath.Join(t.TempDir(), "clean.log")
	d, err := New(Options{Kind: testKind, Operands: []string{log}})
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(d.Path()) || filepath.Dir(d.Path()) != tmp || !strings.HasPrefix(filepath.Base(d.Path()), testKind.Prefix) {
		t.Fatalf("Path = %s, want %s/%s...", d.Path(), tmp, testKind.Prefix)
	}
	st, err := os.Stat(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o700 && !isWindows {
		t.Errorf("mode %o, want 700", perm)
	}
	if d.Guarded() {
		t.Error("a guard runs without Executable")
	}
	if err := os.WriteFile(filepath.Join(d.Path(), "secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Close() // twice is fine
	if _, err := os.Stat(d.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory left after Close: %v", err)
	}
	if got := cleaned(t, log); len(got) != 1 || got[0] != filepath.Base(d.Path()) {
		t.Errorf("Clean ran for %q, want once for %s", got, filepath.Base(d.Path()))
	}
}

func TestGuardRemovesAtEOF(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	log := filepath.Join(t.TempDir(), "clean.log")
	dir, err := os.MkdirTemp("", testKind.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "private.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := runGuard(testKind, dir, []string{log}, strings.NewReader("0\n")); code != 0 {
		t.Fatalf("runGuard = %d", code)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory still there: %v", err)
	}
	if got := cleaned(t, log); len(got) != 1 {
		t.Errorf("Clean ran %d times, want 1", len(got))
	}
}

func TestGuardLeavesOtherFoldersAlone(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	log := filepath.Join(t.TempDir(), "clean.log")
	for _, dir := range []string{
		filepath.Join(t.TempDir(), testKind.Prefix+"x"), // not in the temporary directory
		filepath.Join(os.TempDir(), "other-x"),          // not one of ours by name
		filepath.Join(os.TempDir(), "sub", testKind.Prefix+"y"),
	} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if code := runGuard(testKind, dir, []string{log}, strings.NewReader("")); code != 2 {
			t.Errorf("runGuard(%s) = %d, want 2", dir, code)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s removed: %v", dir, err)
		}
	}
	// Relative: not ours either, whatever it resolves to.
	if code := runGuard(testKind, testKind.Prefix+"rel", []string{log}, strings.NewReader("")); code != 2 {
		t.Errorf("a relative path: runGuard = %d, want 2", code)
	}
	if got := cleaned(t, log); len(got) != 0 {
		t.Errorf("Clean ran for %q", got)
	}
}

func TestGuardMainArgs(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"__other-guard", "/x", "y"},
		{testKind.Command, "/x"},           // an operand missing
		{testKind.Command, "/x", "y", "z"}, // one too many
	} {
		if _, ok := GuardMain(args, testKind); ok {
			t.Errorf("GuardMain(%q) ran a guard", args)
		}
	}
}

func TestNewChecksOperands(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	if _, err := New(Options{Kind: testKind}); err == nil {
		t.Fatal("New without the guard's operand succeeded")
	}
	if left, _ := os.ReadDir(os.TempDir()); len(left) > 0 {
		t.Fatalf("directory left behind: %s", left[0].Name())
	}
}

func TestNewFailsWithoutGuard(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	log := filepath.Join(t.TempDir(), "clean.log")
	_, err := New(Options{Kind: testKind, Operands: []string{log}, Executable: func() (string, error) {
		return "", errors.New("no fork today")
	}})
	var ge *GuardError
	if isWindows {
		if err != nil {
			t.Fatalf("New = %v (no guard on Windows)", err)
		}
		return
	}
	if !errors.As(err, &ge) || err.Error() != "no fork today" {
		t.Fatalf("New = %v, want the GuardError of the cause", err)
	}
	if left, _ := os.ReadDir(os.TempDir()); len(left) > 0 {
		t.Fatalf("directory left behind: %s", left[0].Name())
	}
}
