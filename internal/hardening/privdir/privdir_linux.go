//go:build linux

package privdir

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// setChildDeathSignal makes the kernel send the child SIGTERM when we die
// (even by SIGKILL), keeping cmd's other SysProcAttr settings.
func setChildDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}

// stopChild: nothing to do on Linux; the parent-death signal did it, and
// signalling a pid we no longer own could hit a reused one.
func stopChild(int) {}

// childGone reports whether pid has exited (a zombie nobody reaps has).
func childGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat") // unbounded: a kernel file of one line
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z") || strings.HasPrefix(rest, "X")
}
