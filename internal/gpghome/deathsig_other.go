//go:build !linux

package gpghome

import "os/exec"

// setDeathSignal: only Linux has a parent-death signal; the guard retries
// the removal instead (RunGuard).
func setDeathSignal(*exec.Cmd) {}
