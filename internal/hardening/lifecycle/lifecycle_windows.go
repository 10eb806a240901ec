package lifecycle

import (
	"os"
	"os/exec"
	"syscall"
)

// bindToParent waits on a handle of the parent process and exits (status
// 1) when it ends. Windows has no SIGTERM to send ourselves. A parent that
// cannot be opened (gone already, or not ours to watch) is not watched.
func bindToParent() {
	h, err := syscall.OpenProcess(syscall.SYNCHRONIZE, false, uint32(os.Getppid()))
	if err != nil {
		return
	}
	go func() {
		_, _ = syscall.WaitForSingleObject(h, syscall.INFINITE)
		os.Exit(1)
	}()
}

// setChildDeathSignal: Windows has no parent-death signal.
func setChildDeathSignal(*exec.Cmd) {}
