package filetree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// EncryptedFiles lists the encrypted files below a directory, sorted,
// counting the plain ones and skipping .git; a file named twice (directly
// and below a directory) is listed once.
func TestEncryptedFiles(t *testing.T) {
	e := cmdtest.New(t, "sops")
	e.Encrypted(t, "b/secrets.yaml", "a: 1\n")
	e.Encrypted(t, "a/secrets.yaml", "a: 1\n")
	e.Encrypted(t, ".git/secrets.yaml", "a: 1\n")
	if err := os.WriteFile(filepath.Join(e.Dir, "a", "values.yaml"), []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, skipped, err := EncryptedFiles([]string{"b", ".", "a/secrets.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/secrets.yaml", "b/secrets.yaml"}
	if !reflect.DeepEqual(files, want) || skipped != 2 { // values.yaml, .sops.yaml
		t.Fatalf("files %q skipped %d, want %q and 2", files, skipped, want)
	}
	if _, _, err := EncryptedFiles([]string{"missing"}); err == nil || err.Error() != "File does not exist: missing" {
		t.Fatalf("missing argument: %v", err)
	}
}

// Run writes what op returns unless dry, prints a line per file in file
// order and the summary; a failing file fails the run after the others
// are done.
func TestRun(t *testing.T) {
	e := cmdtest.New(t, "sops")
	for _, n := range []string{"x/1.yaml", "x/2.yaml", "x/3.yaml"} {
		e.Encrypted(t, n, "a: 1\n")
	}
	op := func(_ context.Context, file string) ([]byte, []string, error) {
		switch filepath.Base(file) {
		case "2.yaml":
			return nil, []string{"same"}, nil
		case "3.yaml":
			return nil, nil, errors.New("boom")
		}
		return []byte("new\n"), []string{"done"}, nil
	}
	err := Run(context.Background(), e.F, "rotate", []string{"x"}, true, op)
	if !errors.Is(err, cmdutil.ErrReported) {
		t.Fatalf("err %v", err)
	}
	want := "[helm-secrets] x/1.yaml: done\n" +
		"[helm-secrets] x/2.yaml: same\n" +
		"[helm-secrets] x/3.yaml: error: boom\n" +
		"[helm-secrets] rotate: 1 file(s) would be rotated (dry run: nothing written), 1 unchanged, 1 failed, 0 skipped (not encrypted)\n"
	if got := e.ErrOut.String(); got != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", got, want)
	}
	if data, _ := os.ReadFile("x/1.yaml"); string(data) == "new\n" {
		t.Fatal("dry run wrote a file")
	}

	e.ErrOut.Reset()
	_ = Run(context.Background(), e.F, "updatekeys", []string{"x/1.yaml"}, false, op)
	if data, _ := os.ReadFile("x/1.yaml"); string(data) != "new\n" {
		t.Fatalf("not written: %q", data)
	}
	if want := "[helm-secrets] x/1.yaml: done\n[helm-secrets] updatekeys: 1 file(s) updated, 0 unchanged, 0 failed, 0 skipped (not encrypted)\n"; e.ErrOut.String() != want {
		t.Fatalf("stderr %q, want %q", e.ErrOut, want)
	}
}
