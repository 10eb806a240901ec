//go:build unix

package edit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// script writes an executable editor script.
func script(t *testing.T, body string) string {
	t.Helper()
	p := testenv.WriteFile(t, t.TempDir(), "editor.sh", "#!/bin/sh\n"+body+"\n")
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunOutcomes: each way an edit ends gives its error (the message the
// binary prints) or message, rewrites the file only when it changed, and
// leaves nothing in TMPDIR.
func TestRunOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name, editor string
		newFile      bool
		wantErr      string // "": success
		wantIs       error
		wantNote     string
		wantInfo     string
		wantPlain    string // the file's plaintext afterwards ("": unchanged)
	}{
		{name: "changed", editor: `sed -i s/hunter2/changed/`, wantPlain: "password: changed\n"},
		{name: "unchanged", editor: "true", wantIs: ErrUnchanged, wantNote: "File has not changed, exiting: FILE"},
		{name: "editor fails", editor: "false", wantErr: "editor failed: false: exit status 1: FILE was not changed"},
		{name: "editor missing", editor: "/nonexistent/editor", wantErr: "editor failed: fork/exec /nonexistent/editor: no such file or directory: FILE was not changed"},
		{name: "editor unparsable", editor: `"unclosed`, wantErr: `editor failed: $EDITOR: cannot parse the editor command "\"unclosed": FILE was not changed`},
		{name: "invalid", editor: `sh -c 'echo "a: [" > "$1"' sh`, wantErr: "Invalid edit, FILE was not changed: "},
		{name: "conflict markers", editor: `sh -c 'printf "password: <<<<<<< ours\n" > "$1"' sh`, wantErr: "Invalid edit, FILE was not changed: "},
		{name: "new empty", editor: "true", newFile: true, wantInfo: "File is empty: FILE was not created"},
		{name: "new", editor: `sh -c 'echo "token: t0k3n" > "$1"' sh`, newFile: true, wantPlain: "token: t0k3n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			file := f.file
			if tc.newFile {
				file = filepath.Join(f.dir, "new.yaml")
			}
			before, _ := os.ReadFile(file)
			var l lines
			err := Run(context.Background(), f.options(t, file, tc.editor, &l))
			sub := func(s string) string { return strings.ReplaceAll(s, "FILE", file) }
			switch {
			case tc.wantIs != nil:
				if !errors.Is(err, tc.wantIs) {
					t.Fatalf("Run = %v, want %v", err, tc.wantIs)
				}
			case tc.wantErr != "":
				if err == nil || !strings.HasPrefix(err.Error(), sub(tc.wantErr)) {
					t.Fatalf("Run = %v, want %q...", err, sub(tc.wantErr))
				}
			case err != nil:
				t.Fatalf("Run = %v", err)
			}
			if want := tc.wantNote + tc.wantInfo; want != "" && !slices.Equal(l.messages(), []string{sub(want)}) {
				t.Errorf("messages %q, want %q", l.messages(), sub(want))
			}
			after, _ := os.ReadFile(file)
			if tc.wantPlain == "" {
				if string(after) != string(before) {
					t.Error("the file was rewritten")
				}
			} else if got := f.decrypt(t, file); got != tc.wantPlain {
				t.Errorf("plaintext %q, want %q", got, tc.wantPlain)
			}
			f.tmpEmpty(t)
		})
	}
}

// TestRunNoop: with the noop backend the editor edits the file itself.
func TestRunNoop(t *testing.T) {
	f := newFixture(t)
	plain := testenv.WriteFile(t, f.dir, "plain.yaml", "a: b\n")
	o := f.options(t, plain, `sed -i s/b/c/`, &lines{})
	b, err := backend.Selector{Engine: f.eng}.Get("noop")
	if err != nil {
		t.Fatal(err)
	}
	o.Backend = b
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(plain); string(got) != "a: c\n" {
		t.Fatalf("file %q", got)
	}
	f.tmpEmpty(t)
}

// TestRunRefusesWithoutGuard: when the guard cannot start, edit refuses
// before any plaintext is written or the editor runs (before, it went on
// with a debug line, and a SIGKILL then left the plaintext in TMPDIR).
func TestRunRefusesWithoutGuard(t *testing.T) {
	f := newFixture(t)
	before, _ := os.ReadFile(f.file)
	marker := filepath.Join(t.TempDir(), "editor-ran")
	editor := script(t, "touch '"+marker+"'\necho 'password: changed' > \"$1\"")
	o := f.options(t, f.file, editor, &lines{})
	o.GuardExecutable = func() (string, error) { return "", errors.New("no executable (test)") }
	err := Run(context.Background(), o)
	if err == nil || err.Error() != "edit refused: cannot start the edit guard that removes the decrypted temporary file if helm-secrets is killed: no executable (test)" {
		t.Fatalf("Run = %v: want a refusal naming the guard", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the editor ran without a guard")
	}
	f.tmpEmpty(t)
	if after, _ := os.ReadFile(f.file); string(after) != string(before) {
		t.Fatal("the file changed")
	}
}

// TestRunSweepsAbandonedDirs: an edit removes private directories that
// neither an edit nor a guard holds (both were killed) once they are a
// minute old; a held or young one is left alone.
func TestRunSweepsAbandonedDirs(t *testing.T) {
	f := newFixture(t)
	old := time.Now().Add(-2 * time.Minute)
	mk := func(name string, mtime time.Time) string {
		d := filepath.Join(f.tmp, name)
		testenv.WriteFile(t, d, "secrets.yaml", "password: CANARY-sweep-2b7f\n")
		if err := os.Chmod(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return d
	}
	abandoned := mk(Kind().Prefix+"111", old)
	held := mk(Kind().Prefix+"222", old)
	young := mk(Kind().Prefix+"333", time.Now())
	other := mk("helm-secrets-other-444", old)
	l, err := os.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := syscall.Flock(int(l.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), f.options(t, f.file, "true", &lines{})); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("Run = %v", err)
	}
	if _, err := os.Stat(abandoned); !os.IsNotExist(err) {
		t.Errorf("abandoned directory not swept: %v", err)
	}
	for _, d := range []string{held, young, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s swept: %v", filepath.Base(d), err)
		}
	}
}

// TestMainOutcomes: Main prints Run's outcome in the binary's format and
// maps it to the exit codes: unchanged exits 200 (as sops edit), a failure
// is printed once with our prefix and exits 1.
func TestMainOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name, editor string
		wantCode     int
		wantStderr   string
	}{
		{name: "changed", editor: `sed -i s/hunter2/changed/`},
		{name: "unchanged", editor: "true", wantCode: 200, wantStderr: "[helm-secrets] File has not changed, exiting: FILE\n"},
		{name: "editor fails", editor: "false", wantCode: 1, wantStderr: "[helm-secrets] editor failed: false: exit status 1: FILE was not changed\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var l lines
			err := Main(context.Background(), f.options(t, f.file, tc.editor, &l))
			code := 0
			var xe *cmdutil.ExitError
			if errors.As(err, &xe) {
				code = xe.Code
			} else if err != nil {
				t.Fatalf("Main = %v, want a *cmdutil.ExitError", err)
			}
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			if want := strings.ReplaceAll(tc.wantStderr, "FILE", f.file); l.String() != want {
				t.Errorf("stderr %q, want %q", l.String(), want)
			}
		})
	}
}
