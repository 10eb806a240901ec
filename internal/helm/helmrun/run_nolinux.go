//go:build !linux && !windows

package helmrun

import "os/exec"

// setDeathSignal: only Linux has a parent-death signal. Elsewhere a helm
// whose wrapper was SIGKILLed waits on its values pipe until interrupted;
// no plaintext is exposed either way.
func setDeathSignal(*exec.Cmd) {}
