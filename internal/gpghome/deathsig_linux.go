package gpghome

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill gpg when we die (even by SIGKILL),
// so it stops writing into a home the guard is removing.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
