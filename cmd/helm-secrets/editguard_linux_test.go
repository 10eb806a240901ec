//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestEditGuardAfterSIGKILL kills `helm-secrets edit` with SIGKILL while
// the editor has the decrypted file open (alone, and with its whole process
// group, editor included): the guard must stop waiting once the editor is
// gone and remove the private directory, so no plaintext stays in TMPDIR.
func TestEditGuardAfterSIGKILL(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH (testscript.Main installs it): %v", err)
	}
	for _, group := range []bool{false, true} {
		name := map[bool]string{false: "process", true: "group"}[group]
		t.Run(name, func(t *testing.T) {
			testenv.Isolate(t)
			dir, tmp, control := t.TempDir(), t.TempDir(), t.TempDir()
			id := testenv.AgeKey(t)
			keyFile := testenv.WriteFile(t, control, "key.txt", id.String()+"\n")
			testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
			file := testenv.WriteFile(t, dir, "secrets.yaml", "password: "+crashCanary+"\n")
			editor := testenv.WriteFile(t, control, "editor.sh", "#!/bin/sh\nsleep 30\n")
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

			cmd := exec.Command(bin, "edit", file)
			cmd.Env = env
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for len(testenv.LiveProcesses(editor)) == 0 || len(testenv.RegularFiles(tmp)) == 0 {
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatal("the editor never started")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if group {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			} else {
				_ = cmd.Process.Kill()
			}
			_ = cmd.Wait()
			deadline = time.Now().Add(15 * time.Second)
			for len(testenv.LiveProcesses(tmp)) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if left := testenv.LiveProcesses(tmp); len(left) > 0 {
				t.Errorf("editor or guard still running: %q", left)
			}
			for _, f := range testenv.RegularFiles(tmp) {
				b, _ := os.ReadFile(f)
				t.Errorf("left in TMPDIR: %s (canary: %t)", f, bytes.Contains(b, []byte(crashCanary)))
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("TMPDIR holds %d entries", len(entries))
			}
			if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
				t.Error("file changed")
			}
		})
	}
}
