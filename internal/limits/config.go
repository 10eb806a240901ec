package limits

import (
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/regularfile"
)

// MaxConfigSize caps a .sops.yaml: real ones are a few KB; sops reads the
// whole file and parses it (58 MB took 1.1 GB of memory).
const MaxConfigSize = 1 << 20

// MaxIndent is the widest indentation a .sops.yaml stores section may set
// (sops accepts any: `stores: {json: {indent: 100000000}}` with a 1 KB file
// exhausts memory).
const MaxIndent = 16

// ReadConfig reads a .sops.yaml, refusing anything but a regular file of
// at most MaxConfigSize bytes.
func ReadConfig(path string) ([]byte, error) {
	b, err := regularfile.ReadAll(path, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// CheckIndent refuses a stores indentation outside [min, MaxIndent] (min
// is -1 for JSON, whose -1 means tabs, and 0 for YAML, whose 0 means the
// default).
func CheckIndent(path, setting string, n, min int) error {
	if n < min || n > MaxIndent {
		return fmt.Errorf("%s: %s is %d, outside %d..%d", path, setting, n, min, MaxIndent)
	}
	return nil
}
