//go:build !linux && !windows

package delivery

import "os"

// pipeBase is the directory the private directories are made in: $TMPDIR,
// or /tmp (os.TempDir).
func pipeBase() string { return os.TempDir() }
