//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// handOff replaces this process with `helm-secrets downloader ARGS...`,
// so that its output, errors and exit code are Helm's to see unchanged.
func handOff(args []string) int {
	full, err := fullBinary()
	if err == nil {
		err = syscall.Exec(full, append([]string{full, "downloader"}, args...), os.Environ())
	}
	fmt.Fprintf(os.Stderr, "[helm-secrets] cannot start helm-secrets downloader: %v\n", err)
	return 1
}
