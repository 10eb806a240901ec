package delivery

import (
	"path/filepath"
	"strings"
)

// fileName is the name a source's path gets: the path as the user typed it
// (so helm's messages stay recognisable), relative and cleaned, with the
// shell plugin's ".dec" suffix.
func fileName(typed string) string {
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
