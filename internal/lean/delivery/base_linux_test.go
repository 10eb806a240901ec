//go:build linux

package delivery

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// With TMPDIR unset, the private directories go to /dev/shm when it is a
// usable tmpfs (as `stat -f` reports it), else to /tmp; with TMPDIR set,
// there (TestNewPrivateDirSweepsStale).
func TestPipeBaseWithoutTMPDIR(t *testing.T) {
	t.Setenv("TMPDIR", "")
	out, err := exec.Command("stat", "-f", "-c", "%T", shmDir).Output()
	tmpfs := err == nil && strings.TrimSpace(string(out)) == "tmpfs"
	want := "/tmp"
	if tmpfs && shmUsable() {
		want = shmDir
	}
	if tmpfs != shmUsable() {
		t.Logf("%s: tmpfs %t, usable %t", shmDir, tmpfs, shmUsable())
	}
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path, err := s.Add(0, "secrets.yaml", []byte("a: b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, want+"/"+pipeDirPrefix) {
		t.Fatalf("served at %s, want under %s", path, want)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a: b\n" {
		t.Fatalf("read back %q, %v", b, err)
	}
	dir := filepath.Dir(filepath.Dir(path))
	s.Close()
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left after Close: %v", dir, err)
	}
	t.Logf("private directories in %s", want)
}
