//go:build !windows

package delivery

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// A private directory left by a run that was killed (here: one named after
// a process that has exited), with a message file in it, is removed by the
// next run's NewPrivateDir; one of a live process (ours) stays.
func TestNewPrivateDirSweepsStale(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, pipeDirPrefix+strconv.Itoa(gone.Process.Pid)+"-123")
	live := filepath.Join(tmp, pipeDirPrefix+strconv.Itoa(os.Getpid())+"-456")
	for _, d := range []string{stale, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "post-renderer.log"), []byte("[helm-secrets] a message\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := NewPrivateDir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != tmp {
		t.Errorf("private directory %s not in TMPDIR %s", dir, tmp)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("private directory: %v %v", st, err)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale directory of a gone process not swept: %v", err)
	}
	if _, err := os.Lstat(live); err != nil {
		t.Errorf("directory of a live process swept: %v", err)
	}
}
