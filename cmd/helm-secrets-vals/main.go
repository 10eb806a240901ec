// Command helm-secrets-vals evaluates vals expressions (ref+vault://…,
// ref+k8s://…) for helm-secrets: it is the only binary that links the vals
// library and its provider SDKs, so that helm-secrets and the getter start
// without them. helm-secrets starts it once per run as
// `helm-secrets-vals serve` and exchanges JSON lines with it over stdin and
// stdout (internal/backends/valsproto); values never travel in argv or the
// environment. It is not meant to be run by hand.
package main

import (
	"fmt"
	"os"

	"github.com/helm-secrets/helm-secrets/internal/backends/valseval"
	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/hardening/nodump"
)

func main() {
	// End with helm-secrets, also in the middle of a slow provider call.
	lifecycle.BindToParent()
	// No core dump and no same-user ptrace of a process holding secrets.
	_ = nodump.LimitCore()
	_ = nodump.NotDumpable()
	switch {
	case len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-v"):
		fmt.Println(version.String())
	case len(os.Args) == 2 && os.Args[1] == "serve":
		if err := valseval.Serve(os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "[helm-secrets] vals: %v\n", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: helm-secrets-vals serve (started by helm-secrets; see docs/cli.md)")
		os.Exit(2)
	}
}
