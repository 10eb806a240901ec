//go:build !linux && !windows

package atomicfile

import "os"

// writeUnnamed needs O_TMPFILE (Linux): elsewhere the caller writes a named
// temporary file.
func writeUnnamed(string, string, string, []byte, os.FileMode) (bool, error) { return false, nil }
