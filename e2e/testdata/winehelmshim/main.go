// Command winehelmshim stands between helm-secrets and the windows helm in
// the Windows e2e test (e2e/windows_test.go), to get past a wine problem:
// go-winio reserves each pipe name with a first instance opened without
// read or write access, which Windows keeps closed to clients; wine 10
// lets the first client connect to it, and nobody serves it, so helm's
// first read of \\.\pipe\helm-secrets-... would wait forever. The shim
// opens and closes each such -f/--values path once (os.Stat), then runs
// the helm named by HELM_SECRETS_WINE_HELM with the same arguments and
// standard streams, and exits with its exit code. It reads no content.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	args := os.Args[1:]
	for i, a := range args {
		if (a == "-f" || a == "--values") && i+1 < len(args) && strings.HasPrefix(args[i+1], `\\.\pipe\`) {
			if _, err := os.Stat(args[i+1]); err != nil {
				fmt.Fprintln(os.Stderr, "winehelmshim:", err)
			}
		}
	}
	cmd := exec.Command(os.Getenv("HELM_SECRETS_WINE_HELM"), args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		os.Exit(ee.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "winehelmshim:", err)
		os.Exit(1)
	}
}
