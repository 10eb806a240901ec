//go:build unix

package lifecycle

import (
	"os"
	"syscall"
	"time"
)

// pollParent is how often watchParent looks at the parent pid.
const pollParent = 100 * time.Millisecond

// watchParent sends us SIGTERM once our parent pid is no longer ppid: the
// parent died and we were given to init or a subreaper.
func watchParent(ppid int) {
	for {
		time.Sleep(pollParent)
		if os.Getppid() != ppid {
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			return
		}
	}
}
