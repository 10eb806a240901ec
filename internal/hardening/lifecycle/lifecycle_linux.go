package lifecycle

import (
	"os"
	"os/exec"
	"syscall"
)

// bindToParent sets the parent-death signal SIGTERM. The kernel sends it
// when the parent exits, also when that is a SIGKILL. A parent that died
// between our start and the prctl has made us a child of init or of a
// subreaper already: getppid tells, and we stop as if signalled.
func bindToParent() {
	ppid := os.Getppid()
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); e != 0 {
		go watchParent(ppid)
		return
	}
	if os.Getppid() != ppid {
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}

func setChildDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
