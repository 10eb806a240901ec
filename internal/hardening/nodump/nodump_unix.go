//go:build unix

package nodump

import (
	"fmt"
	"syscall"
)

// LimitCore sets the core file size limit (soft and hard) to 0.
func LimitCore() error {
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return fmt.Errorf("setrlimit(RLIMIT_CORE, 0): %w", err)
	}
	return nil
}
