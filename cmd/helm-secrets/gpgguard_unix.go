//go:build unix

package main

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// startGPGGuard is gpghome.Guard for this binary: see gpgguard.go. The
// guard gets only the variables it needs to find gpgconf and the
// temporary directory.
func startGPGGuard(home, gpgconf string) (func(), error) {
	exe, err := guardExecutable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	var env []string
	for _, k := range []string{"PATH", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	// argv[0] is fixed: the binary dispatches on it in tests (testscript).
	cmd := &exec.Cmd{
		Path: exe, Args: []string{"helm-secrets", gpgGuardCommand, home, gpgconf},
		Stdin: r, Env: env,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	_ = r.Close()
	if err != nil {
		_ = w.Close()
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
