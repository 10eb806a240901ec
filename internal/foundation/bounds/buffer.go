package bounds

import (
	"bytes"
	"errors"
)

// ErrOver is the write error once the limit is reached.
var ErrOver = errors.New("output over the limit")

// Buffer collects writes up to Limit bytes (0: no limit) and fails the
// write that would go past it. It has no ReadFrom, so io.Copy (and
// os/exec) always goes through Write.
type Buffer struct {
	Limit int64
	buf   bytes.Buffer
	over  bool
}

// Write implements io.Writer.
func (b *Buffer) Write(p []byte) (int, error) {
	if b.Limit > 0 && int64(b.buf.Len()+len(p)) > b.Limit {
		b.over = true
		return 0, ErrOver
	}
	return b.buf.Write(p)
}

// Bytes returns what was written.
func (b *Buffer) Bytes() []byte { return b.buf.Bytes() }

// Over reports whether a write went past the limit.
func (b *Buffer) Over() bool { return b.over }
