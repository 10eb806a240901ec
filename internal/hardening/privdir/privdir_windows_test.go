package privdir

// creator: the SIGKILL test is Unix only.
func creator() int { return 1 }
