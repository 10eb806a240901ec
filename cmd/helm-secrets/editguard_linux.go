//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// setEditorDeathSignal makes the kernel send the editor SIGTERM when we die
// (even by SIGKILL), so it stops writing into the directory the guard is
// about to remove.
func setEditorDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// stopEditor: nothing to do on Linux; the parent-death signal did it, and
// signalling a pid we no longer own could hit a reused one.
func stopEditor(int) {}

// processGone reports whether pid has exited (a zombie nobody reaps has).
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z") || strings.HasPrefix(rest, "X")
}
