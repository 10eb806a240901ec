//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
)

// syncDir makes a rename durable on filesystems that need it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// lockTemp takes an exclusive flock on a temporary file for as long as it
// is open, so sweepStaleTemps can tell a live writer from a dead one.
func lockTemp(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
}

// sweepStaleTemps removes temporary files matching pattern in dir whose
// writer is gone: we own them and their flock is free. A live writer holds
// the lock until its file has been renamed away.
func sweepStaleTemps(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		st, err := os.Lstat(m)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
			continue
		}
		f, err := os.OpenFile(m, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			// Still the file we locked? (A live writer may have renamed
			// it over its target between our Lstat and our lock.)
			if cur, err := os.Lstat(m); err == nil && os.SameFile(cur, st) {
				_ = os.Remove(m)
			}
		}
		_ = f.Close()
	}
}
