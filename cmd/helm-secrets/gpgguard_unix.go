//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// startGPGGuard is gpghome.Guard for this binary: see gpgguard.go. The
// guard gets only the variables it needs to find gpgconf and the
// temporary directory.
func startGPGGuard(home, gpgconf string) (func(), error) {
	env := []string{}
	for _, k := range []string{"PATH", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	cmd, w, err := startGuard(env, gpgGuardCommand, home, gpgconf)
	if err != nil {
		return nil, err
	}
	// The guard finds the home gone and exits; we do not wait for its
	// start-up (a whole run of ours) on the way out.
	return func() {
		_ = w.Close()
		go func() { _ = cmd.Wait() }()
	}, nil
}

// ignoreGuardSignals: a guard outlives Ctrl-C, a CI job's SIGTERM and a
// closed terminal.
func ignoreGuardSignals() {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
}
