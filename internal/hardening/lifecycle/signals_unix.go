//go:build unix

package lifecycle

import (
	"os"
	"syscall"
)

// StopSignals are the signals that ask a process to stop: a terminal's
// Ctrl+C (SIGINT) and Ctrl+\ (SIGQUIT), SIGTERM, and SIGHUP (the terminal
// went away). A command that must clean up catches them
// (signal.Notify, NotifyContext) instead of dying of them.
var StopSignals = []os.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP}

// FromTerminal reports whether sig is one a terminal sends to the whole
// foreground process group, so a child started in it got it too.
func FromTerminal(sig os.Signal) bool {
	return sig == syscall.SIGINT || sig == syscall.SIGQUIT
}

// Forward passes sig on to the child process p.
func Forward(p *os.Process, sig os.Signal) {
	_ = p.Signal(sig)
}
