package nodump

// LimitCore does nothing on Windows: crash dumps are Windows Error
// Reporting's, configured per machine (docs/security.md).
func LimitCore() error { return nil }

// NotDumpable does nothing on Windows (see LimitCore).
func NotDumpable() error { return nil }

// Dumpable reports true on Windows.
func Dumpable() (bool, error) { return true, nil }
