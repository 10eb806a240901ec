//go:build !windows

package encrypt

import "os"

// syncDir makes a rename durable on filesystems that need it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
