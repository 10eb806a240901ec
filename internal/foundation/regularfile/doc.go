// Package regularfile opens the files a run reads on a repository's say
// (values files, .sops.yaml, key files) so that a FIFO, a device or a
// directory put in their place cannot block the run or feed it endless
// data: Open refuses anything but a regular file without blocking (on Unix
// the open itself is non-blocking, so a FIFO with no writer does not hang
// it), except the descriptors a caller names on purpose (/dev/stdin,
// /dev/fd/N, /proc/self/fd/N), which the shell plugin reads too. ReadAll
// adds a size cap, checked before reading and while reading.
package regularfile
