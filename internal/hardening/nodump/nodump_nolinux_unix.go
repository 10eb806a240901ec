//go:build unix && !linux

package nodump

// NotDumpable is LimitCore outside Linux: there is no PR_SET_DUMPABLE
// (docs/security.md gives the macOS equivalents).
func NotDumpable() error { return LimitCore() }

// Dumpable reports true: nothing but RLIMIT_CORE is set outside Linux.
func Dumpable() (bool, error) { return true, nil }
