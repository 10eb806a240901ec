// Package delivery hands plaintext to helm through paths that live only in
// memory. Each decrypted source gets a path that helm (and any helm plugin
// it starts) can open like a file, as often as it likes, for as long as
// helm runs; nothing is written to any filesystem:
//
//   - Linux (memfd_linux.go): a sealed memfd, reached through a symlink to
//     /proc/<pid>/fd/<n> in a private 0700 directory;
//   - macOS and the BSDs (fifo_unix.go, chosen in server_bsd.go): a FIFO
//     in a private 0700 directory, written by a goroutine each time it is
//     opened, replaced by a fresh FIFO for every reader;
//   - Windows (namedpipe_windows.go): an owner-only named pipe
//     (\\.\pipe\...), one instance per open.
//
// See docs/design.md.
package delivery
