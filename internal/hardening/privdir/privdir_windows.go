//go:build windows

package privdir

import (
	"os"
	"os/exec"
)

// On Windows there is no guard, no lock and no sweep: a private directory
// left by a killed process is not removed automatically
// (docs/security.md).

func (d *Dir) startGuard(func() (string, error)) error { return nil }

func ignoreSignals()                                   {}
func lockShared(string) (unlock func())                { return func() {} }
func tryLockExclusive(string) (unlock func(), ok bool) { return nil, false }
func setChildDeathSignal(*exec.Cmd)                    {}
func lockThread() (unlock func())                      { return func() {} }
func stopChild(int)                                    {}
func childGone(int) bool                               { return true }

// ownedByUs: folders in the user's temporary directory are the user's.
func ownedByUs(os.FileInfo) bool { return true }
