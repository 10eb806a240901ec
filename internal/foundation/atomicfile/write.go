package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Write replaces the file at path with data so that a crash at
// any moment leaves either the old or the new content, never a mix: data
// goes to a temporary file in the same directory, is synced, gets the mode
// of the file it replaces (perm for a new file), and is renamed over the
// original.
//
// On Linux the temporary file is unnamed while it is written (O_TMPFILE):
// a crash, even SIGKILL, during the write leaves nothing behind; it gets a
// name only for the two system calls that link it and rename it. Elsewhere
// (or on a filesystem without O_TMPFILE) it is a named 0600 file, held
// under an exclusive flock while it exists. Either way, a temporary file
// left by a process that was killed is removed by the next write to the
// same path (its lock is free).
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	if st, serr := os.Stat(path); serr == nil {
		perm = st.Mode().Perm()
	} else if !errors.Is(serr, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, serr)
	}
	dir := filepath.Dir(path)
	pattern := tempPattern(path)
	sweepStaleTemps(dir, pattern)
	if done, err := writeUnnamed(dir, path, pattern, data, perm); done {
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		syncDir(dir)
		return nil
	}
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	lockTemp(tmp)
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
			_ = tmp.Close()
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if runtime.GOOS == "windows" {
		// An open file cannot be renamed there.
		if err = tmp.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Closing releases the lock only now that the name is gone.
	_ = tmp.Close()
	syncDir(dir)
	return nil
}

// tempPattern is the name pattern (for os.CreateTemp) of path's temporary
// files: ".NAME.tmp-*".
func tempPattern(path string) string {
	return "." + filepath.Base(path) + ".tmp-*"
}
