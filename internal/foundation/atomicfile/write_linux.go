//go:build linux

package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// writeUnnamed writes data to an unnamed file in dir (O_TMPFILE), syncs
// it, gives it perm, links it under a temporary name matching pattern and
// renames it over path. A crash before the link leaves nothing: the kernel
// frees an unnamed file with its last descriptor. done is false when the
// filesystem (or a missing /proc) does not allow it; the caller then uses
// a named temporary file.
func writeUnnamed(dir, path, pattern string, data []byte, perm fs.FileMode) (done bool, err error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false, nil // EOPNOTSUPP, EISDIR (old kernel), EINVAL, ...
	}
	f := os.NewFile(uintptr(fd), filepath.Join(dir, "(unnamed)"))
	defer f.Close()
	// Locked from the start: once linked, the name belongs to a live writer.
	_ = unix.Flock(fd, unix.LOCK_EX)
	if _, err := f.Write(data); err != nil {
		return true, err
	}
	if err := f.Sync(); err != nil {
		return true, err
	}
	if err := f.Chmod(perm); err != nil {
		return true, err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, strings.Replace(pattern, "*", strconv.Itoa(os.Getpid())+hex.EncodeToString(rnd[:]), 1))
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	if err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil // no /proc
		}
		return true, &fs.PathError{Op: "link", Path: tmp, Err: err}
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return true, err
	}
	return true, nil
}
