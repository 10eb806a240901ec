//go:build windows

package atomicfile

import "os"

// syncDir is a no-op on Windows: directories cannot be opened for sync, and
// MoveFileEx (os.Rename) is durable with respect to the rename itself.
func syncDir(string) {}

// lockTemp is a no-op on Windows: an open file cannot be removed there, so
// a live writer's temporary file is safe from sweepStaleTemps anyway.
func lockTemp(*os.File) {}

// sweepStaleTemps is a no-op on Windows.
func sweepStaleTemps(string, string) {}

// writeUnnamed is Linux-only.
func writeUnnamed(string, string, string, []byte, os.FileMode) (bool, error) { return false, nil }
