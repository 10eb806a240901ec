package nodump

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// NotDumpable makes the process non-dumpable (PR_SET_DUMPABLE 0), after
// LimitCore.
func NotDumpable() error {
	if err := LimitCore(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, 0): %w", err)
	}
	return nil
}

// Dumpable reports the process's PR_GET_DUMPABLE flag.
func Dumpable() (bool, error) {
	v, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	return v != 0, err
}
