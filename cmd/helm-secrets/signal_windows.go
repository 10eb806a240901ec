//go:build windows

package main

import "os"

// guardedSignals cancel the downloader's fetch instead of killing us.
// Windows delivers Ctrl+C and Ctrl+Break as os.Interrupt.
var guardedSignals = []os.Signal{os.Interrupt}
