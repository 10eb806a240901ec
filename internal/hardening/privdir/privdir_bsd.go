//go:build unix && !linux

package privdir

import (
	"errors"
	"os/exec"
	"syscall"
)

// setChildDeathSignal: no parent-death signal outside Linux; the guard
// sends SIGTERM instead (stopChild).
func setChildDeathSignal(*exec.Cmd) {}

// stopChild asks the child of a dead creator to exit.
func stopChild(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }

// childGone reports whether pid has exited.
func childGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
