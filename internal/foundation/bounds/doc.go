// Package bounds is the one home of bounded reading: every read of input
// that comes from outside the process (a repository file, a download, a
// child's output, standard input) goes through it, so a FIFO, a device, a
// huge file or an endless stream put in place of an input cannot block a
// run or take its memory.
//
//   - Open and ReadFile open only regular files, without blocking (on Unix
//     the open itself is non-blocking, so a FIFO with no writer does not
//     hang it), except the descriptors a caller names on purpose
//     (/dev/stdin, /dev/fd/N, /proc/self/fd/N), which the shell plugin
//     reads too; ReadFile and ReadCapped add a size cap, checked before
//     reading and while reading. ReadAll caps any reader.
//   - Buffer refuses to grow past a limit: for a child process's stdout
//     (plaintext, a download) collected in memory.
//   - Budget is the run's total: one run's inputs together (local files,
//     downloads, literals) may not pass MaxRunInput.
//   - The depth of a document (CheckYAMLDepth, CheckJSONDepth), checked by
//     a linear scan of the text before any parser sees it, the size of a
//     .sops.yaml and the length of its path_regex (ReadConfig), and the
//     range of its store settings (CheckIndent).
//
// Why depth: sops binds every value to its key path (the AES-GCM
// additional data is the path joined with ':'), and its emitters indent
// each level, so the work and the output for a document grow with size ×
// depth: 140 KB of JSON nested 10,000 deep took 14.8 s to encrypt and
// gave 151 MB. With depth bounded, both are linear in the input.
//
// The package uses only the standard library and the YAML parser, so the
// lean binaries may link it.
package bounds
