//go:build !unix && !windows

package bounds

import "os"

func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
