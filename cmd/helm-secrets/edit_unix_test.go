//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestEditSignals: SIGTERM or SIGHUP while the editor runs stops the
// editor, leaves the file untouched and removes the plaintext; SIGINT (which
// a terminal also sends to the editor) is left to the editor.
func TestEditSignals(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH (testscript.Main installs it): %v", err)
	}
	for _, tc := range []struct {
		sig       syscall.Signal
		wantWrite bool // the edit goes through: the editor decided
	}{
		{syscall.SIGTERM, false},
		{syscall.SIGHUP, false},
		{syscall.SIGINT, true},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			testenv.Isolate(t)
			dir := t.TempDir()
			id := testenv.AgeKey(t)
			keyFile := testenv.WriteFile(t, dir, "key.txt", id.String()+"\n")
			testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
			file := testenv.WriteFile(t, dir, "secrets.yaml", "password: hunter2\n")
			tmp := filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			marker := filepath.Join(dir, "editor-started")
			// The editor signals it started, then waits for the signal;
			// on SIGINT (sent to us only) it would carry on and finish.
			editor := testenv.WriteFile(t, dir, "editor.sh", `#!/bin/sh
echo "password: changed" > "$1"
touch "`+marker+`"
i=0
while [ $i -lt 50 ] && [ ! -e "`+marker+`.done" ]; do sleep 0.1; i=$((i+1)); done
exit 0
`)
			if err := os.Chmod(editor, 0o755); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile, "EDITOR="+editor, "TMPDIR="+tmp)
			enc := exec.Command(bin, "encrypt", "-i", file)
			enc.Env = env
			if out, err := enc.CombinedOutput(); err != nil {
				t.Fatalf("encrypt: %v: %s", err, out)
			}
			before, _ := os.ReadFile(file)

			var stderr bytes.Buffer
			cmd := exec.Command(bin, "edit", file)
			cmd.Env, cmd.Stderr = env, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(marker); err == nil {
					break
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("editor did not start: %s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if tc.wantWrite {
				time.Sleep(100 * time.Millisecond) // let a wrong handler act
				testenv.WriteFile(t, dir, "editor-started.done", "")
			}
			start := time.Now()
			err := cmd.Wait()
			if time.Since(start) > 4*time.Second {
				t.Errorf("edit took %v after the signal: the editor was not stopped", time.Since(start))
			}
			entries, _ := os.ReadDir(tmp)
			if len(entries) != 0 {
				t.Errorf("temporary files left behind: %v", entries)
			}
			after, _ := os.ReadFile(file)
			var ee *exec.ExitError
			if tc.wantWrite {
				if err != nil {
					t.Fatalf("edit failed after %v: %v: %s", tc.sig, err, stderr.String())
				}
				if bytes.Equal(before, after) {
					t.Errorf("edit was not saved after %v", tc.sig)
				}
				return
			}
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Errorf("exit: %v, want status 1; stderr: %s", err, stderr.String())
			}
			if !bytes.Equal(before, after) {
				t.Errorf("file changed after %v", tc.sig)
			}
			if want := "[helm-secrets] Interrupted (" + tc.sig.String() + "): " + file + " was not changed\n"; stderr.String() != want {
				t.Errorf("stderr %q, want %q", stderr.String(), want)
			}
		})
	}
}
