//go:build linux

package delivery

import (
	"os"

	"golang.org/x/sys/unix"
)

// shmDir is Linux's usual memory filesystem.
const shmDir = "/dev/shm"

// pipeBase is the directory the private directories are made in: $TMPDIR
// when it is set; otherwise /dev/shm when it is a tmpfs directory (not a
// symlink) that we may write and that, if anyone may write it, has the
// sticky bit, as /tmp has; otherwise /tmp. The private directories hold
// only symlinks (and the post-renderer's message file), never plaintext:
// the choice is about speed. On a disk filesystem such as ext4, creating
// and removing a run's directories and symlinks (an inode each) costs more
// than decrypting its files (docs/performance.md).
func pipeBase() string {
	if os.Getenv("TMPDIR") != "" {
		return os.TempDir()
	}
	if shmUsable() {
		return shmDir
	}
	return os.TempDir()
}

func shmUsable() bool {
	st, err := os.Lstat(shmDir)
	if err != nil || !st.IsDir() {
		return false
	}
	if st.Mode().Perm()&0o002 != 0 && st.Mode()&os.ModeSticky == 0 {
		return false
	}
	var fs unix.Statfs_t
	if unix.Statfs(shmDir, &fs) != nil || fs.Type != unix.TMPFS_MAGIC {
		return false
	}
	return unix.Access(shmDir, unix.W_OK|unix.X_OK) == nil
}
