package main

import (
	"fmt"
	"os"

	"github.com/helm-secrets/helm-secrets/internal/backends/valseval"
)

// valsMain is cmd/helm-secrets-vals for test scripts: the test binary
// serves the vals backend's protocol, as the real binary does.
func valsMain() {
	if len(os.Args) != 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: helm-secrets-vals serve")
		os.Exit(2)
	}
	if err := valseval.Serve(os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "[helm-secrets] vals: %v\n", err)
		os.Exit(1)
	}
}
