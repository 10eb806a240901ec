//go:build windows

package encrypt

// syncDir is a no-op on Windows: directories cannot be opened for sync, and
// MoveFileEx (os.Rename) is durable with respect to the rename itself.
func syncDir(string) {}
