//go:build unix

package testenv

import (
	"os"
	"syscall"
	"testing"
)

// Inode is path's inode number (a file replaced by a rename, or a renewed
// FIFO, has a new one).
func Inode(t testing.TB, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(st.Sys().(*syscall.Stat_t).Ino)
}
