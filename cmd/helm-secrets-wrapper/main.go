// Command helm-secrets-wrapper is what `helm secrets ...` runs (the
// plugin manifests' command): the lean wrapper.
//
// Helm starts the plugin once per `helm secrets` command, so start-up time
// is part of every run. This binary links only age, YAML and the standard
// library (about a millisecond to start, where the full helm-secrets
// binary links sops, its key-service clients and the Helm SDK and needs
// tens of milliseconds). It runs the common case itself
// (internal/lean/leanwrap): `helm secrets install|upgrade|template ...` with
// local YAML values files whose data keys are wrapped for the
// environment's age identities, and plain --set values. It decrypts them
// (MAC verified), serves the plaintext through in-memory pipes, prints the
// same "[helm-secrets] Decrypt: FILE" lines and runs helm exactly as the
// full wrapper does. Every other command line, and every case it cannot
// prove it handles identically, it hands unchanged to helm-secrets next
// to it, which gives the authoritative output or error: this binary never
// prints an error of its own about a values file.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/hardening/nodump"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmrun"
	"github.com/helm-secrets/helm-secrets/internal/lean/handoff"
	"github.com/helm-secrets/helm-secrets/internal/lean/leanwrap"
)

const prefix = "[helm-secrets] "

func main() {
	// End with helm (the plugin's parent): its helm child, which helmrun
	// starts with a parent-death signal, then stops too; across a hand-off
	// the full binary binds itself again.
	lifecycle.BindToParent()
	// No core file of a process holding plaintext (inherited by helm).
	// Not non-dumpable: helm opens the served pipes through /proc/<our
	// pid>/fd (internal/hardening/nodump).
	_ = nodump.LimitCore()
	args := os.Args[1:]
	if r, ok := leanwrap.Prepare(args); ok {
		os.Exit(run(r))
	}
	code, err := handoff.Exec("helm-secrets", args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%scannot start helm-secrets: %v\n", prefix, err)
	}
	os.Exit(code)
}

// run runs helm for a prepared command line and returns the exit code
// the full wrapper would.
func run(r *leanwrap.Run) int {
	defer r.Close()
	if s := settings.Load(); !s.Quiet {
		for _, n := range s.Notices() {
			fmt.Fprintf(os.Stderr, "%s%s\n", prefix, n)
		}
		for _, f := range r.Decrypted {
			fmt.Fprintf(os.Stderr, "%sDecrypt: %s\n", prefix, f)
		}
	}
	code, err := helmrun.Run(context.Background(), helmrun.Cmd{
		Helm: helmrun.Binary(), Args: r.Args,
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s%v\n", prefix, err)
		return 1
	}
	return code
}
