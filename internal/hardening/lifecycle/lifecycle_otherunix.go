//go:build unix && !linux

package lifecycle

import (
	"os"
	"os/exec"
)

// bindToParent: no parent-death signal outside Linux; a goroutine watches
// the parent pid instead.
func bindToParent() {
	go watchParent(os.Getppid())
}

// setChildDeathSignal: no parent-death signal outside Linux.
func setChildDeathSignal(*exec.Cmd) {}
