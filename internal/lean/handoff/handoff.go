package handoff

import (
	"os"
	"path/filepath"
	"strings"
)

// Sibling is the path of the binary called name next to this
// executable (name.exe on Windows).
func Sibling(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(strings.ToLower(self), ".exe") {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), nil
}
