//go:build unix && !linux

package delivery

// Server (macOS, BSD) is the FIFO server (fifo_unix.go).
type Server = FIFOServer

// New creates a Server for one run of helm.
func New() (*Server, error) { return NewFIFO() }
