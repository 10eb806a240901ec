//go:build windows

package edit

import "os"

// caughtSignals are caught while an edit is in progress. Windows delivers
// Ctrl+C and Ctrl+Break to every process of the console as os.Interrupt.
var caughtSignals = []os.Signal{os.Interrupt}

// fromTerminal reports whether sig reached the editor too: on Windows the
// console sends Ctrl+C to every attached process.
func fromTerminal(sig os.Signal) bool { return sig == os.Interrupt }

// forwardSignal stops the editor; Windows cannot send it a signal.
func forwardSignal(p *os.Process, _ os.Signal) {
	_ = p.Kill()
}
