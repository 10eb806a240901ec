package helm

import (
	"path/filepath"
	"strings"
)

// Values delivery: plaintext reaches helm through pipes that live only in
// memory. Each decrypted source gets a path that helm (and any helm plugin
// it starts) can open like a file; a goroutine of ours writes the plaintext
// into it each time it is opened, for as long as helm runs. Nothing is
// written to any filesystem: on Unix the path is a FIFO in a private 0700
// directory, on Windows a named pipe (\\.\pipe\...) readable only by its
// owner. See docs/design.md.

// pipeName is the name a source's pipe gets: the path as the user typed it
// (so helm's messages stay recognisable), relative and cleaned, with the
// shell plugin's ".dec" suffix.
func pipeName(typed string) string {
	p := filepath.ToSlash(filepath.Clean(typed))
	if filepath.IsAbs(typed) || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, ":") {
		p = filepath.Base(p)
	}
	p = strings.NewReplacer(",", "_", "\\", "_", "=", "_").Replace(p)
	if p == "" || p == "." || p == "/" {
		p = "values.yaml"
	}
	return p + ".dec"
}
