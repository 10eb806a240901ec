//go:build unix

package handoff

import (
	"os"
	"syscall"
)

// Exec replaces this process with the sibling binary name run with args,
// in this process's environment. It returns only when that fails.
func Exec(name string, args []string) (int, error) {
	full, err := Sibling(name)
	if err == nil {
		err = syscall.Exec(full, append([]string{full}, args...), os.Environ())
	}
	return 1, err
}
