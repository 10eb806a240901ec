package bounds

import "os"

// openNonBlocking: on Windows a path cannot name a FIFO (named pipes live
// under \\.\pipe\ and are refused as not regular after opening).
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
