package encrypt

import (
	"context"
	"fmt"
)

// EditAt is Edit on a document held in memory that lives (or will live) at
// path: path selects the format (with the content, as DetectFormat does)
// and the .sops.yaml store settings, and is not read. Git merge drivers
// use it: git hands them the three versions of a file in temporary files
// whose names say nothing of the format. As with Edit, the data key and the
// recipients are kept and unchanged values keep their ciphertext.
func (e *Engine) EditAt(ctx context.Context, data []byte, path string, fn EditFunc) (out []byte, changed bool, err error) {
	out, changed, err = e.edit(ctx, data, DetectFormat(path, data), path, fn)
	if err != nil {
		return nil, false, fmt.Errorf("edit %s: %w", path, err)
	}
	return out, changed, nil
}
