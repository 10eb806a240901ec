package bounds

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
)

// ErrNotRegular means the path names a FIFO, socket, device or directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge means an input exceeds the cap given to ReadFile, ReadCapped
// or ReadAll.
var ErrTooLarge = errors.New("file exceeds the size limit")

// descriptor matches the explicit descriptor paths a user may pass on
// purpose (process substitution, a pipe on stdin).
var descriptor = regexp.MustCompile(`^(?:/dev/stdin|/dev/fd/\d+|/proc/self/fd/\d+)$`)

// IsDescriptor reports whether path is /dev/stdin, /dev/fd/N or
// /proc/self/fd/N: an open descriptor named on purpose, read even when it
// is a pipe.
func IsDescriptor(path string) bool { return descriptor.MatchString(path) }

// Open opens path for reading if it is a regular file (or a descriptor
// path, see IsDescriptor), without blocking on a FIFO.
func Open(path string) (*os.File, error) {
	if IsDescriptor(path) {
		return os.Open(path)
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(st.Mode()))
	}
	return f, nil
}

// Kind describes a file mode that is not a regular file's ("a FIFO",
// "a directory", ...), for messages.
func Kind(m os.FileMode) string { return kind(m) }

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "type " + m.Type().String()
}

// ReadFile reads the regular file at path, refusing it when it is over max
// bytes (max < 0: no cap) before reading it, or when it grows past max
// while being read (or is a descriptor path that delivers more).
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCapped(f, max)
}

// ReadCapped reads f to its end, refusing more than max bytes (max < 0: no
// cap), and a regular file whose size is over max before reading it.
func ReadCapped(f *os.File, max int64) ([]byte, error) {
	if max < 0 {
		return io.ReadAll(f)
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > max {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, st.Size(), max)
	}
	return ReadAll(f, max)
}

// ReadAll reads r to its end, refusing more than max bytes (max < 0: no
// cap) with ErrTooLarge. It never reads more than max+1 bytes of r.
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	if max < 0 {
		return io.ReadAll(r)
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, max)
	}
	return data, nil
}
