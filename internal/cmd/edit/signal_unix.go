//go:build unix

package edit

import (
	"os"
	"syscall"
)

// caughtSignals are caught while an edit is in progress.
var caughtSignals = []os.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP}

// fromTerminal reports whether sig is one a terminal sends to the whole
// foreground process group (so the editor got it too).
func fromTerminal(sig os.Signal) bool {
	return sig == syscall.SIGINT || sig == syscall.SIGQUIT
}

// forwardSignal passes sig on to the editor.
func forwardSignal(p *os.Process, sig os.Signal) {
	_ = p.Signal(sig)
}
