package gpghome

// On Windows no flock: homes are not locked or swept (docs/security.md).
func lockHome(string) (unlock func()) { return func() {} }

func sweepStaleHomes(string) {}
