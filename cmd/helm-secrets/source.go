package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
)

// requireFile checks that file names an existing regular file, printing
// the shell plugin's message otherwise.
func (a *app) requireFile(file string) error {
	st, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid):
		return a.errorf("File does not exist: %s", file)
	case err != nil:
		return a.errorf("%v", err)
	case st.IsDir():
		return a.errorf("Not a file: %s is a directory", file)
	}
	return nil
}

// inPlaceTarget is where an in-place write of path goes: through a symlink
// to the file it points at (as sops -i does), so the link is kept.
func inPlaceTarget(path string) string {
	if t, err := filepath.EvalSymlinks(path); err == nil {
		return t
	}
	return path
}

// writeInPlace replaces path (through symlinks) atomically, keeping its mode.
func writeInPlace(path string, data []byte, newPerm fs.FileMode) error {
	return atomicfile.Write(inPlaceTarget(path), data, newPerm)
}
