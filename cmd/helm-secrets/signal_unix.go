//go:build unix

package main

import (
	"os"
	"syscall"
)

// guardedSignals cancel the downloader's fetch instead of killing us, so
// that a gpg-import removes its private GNUPGHOME on the way out.
var guardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP}
