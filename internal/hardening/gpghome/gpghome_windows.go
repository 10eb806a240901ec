package gpghome

import "os"

// On Windows no flock: homes are not locked or swept (docs/security.md).
func lockHome(string) (unlock func()) { return func() {} }

func sweepStaleHomes(string) {}

// ownedByUs: Windows folders in the user's temporary directory are the
// user's.
func ownedByUs(os.FileInfo) bool { return true }
