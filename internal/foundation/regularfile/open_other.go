//go:build !unix && !windows

package regularfile

import "os"

func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
