package lifecycle

import "os"

// StopSignals are the signals that ask a process to stop. Windows delivers
// Ctrl+C and Ctrl+Break to every process of the console as os.Interrupt.
var StopSignals = []os.Signal{os.Interrupt}

// FromTerminal reports whether sig reached a child started in the same
// console too: the console sends Ctrl+C to every attached process.
func FromTerminal(sig os.Signal) bool { return sig == os.Interrupt }

// Forward stops the child process p: Windows cannot send it a signal.
func Forward(p *os.Process, _ os.Signal) {
	_ = p.Kill()
}
