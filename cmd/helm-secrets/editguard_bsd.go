//go:build unix && !linux

package main

import (
	"errors"
	"os/exec"
	"syscall"
)

// setEditorDeathSignal: no parent-death signal outside Linux; the guard
// sends SIGTERM instead (stopEditor).
func setEditorDeathSignal(*exec.Cmd) {}

// stopEditor asks the editor of a dead helm-secrets to exit.
func stopEditor(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }

// processGone reports whether pid has exited.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
