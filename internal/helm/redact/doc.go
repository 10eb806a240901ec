// Package redact masks secret values in a byte stream: helm's stdout and
// stderr pass through a Writer that replaces every decrypted value with
// Mask wherever it appears, in every form helm and its plugins print it:
//
//   - as is, also inside longer strings;
//   - escaped as JSON (with and without HTML escaping, and ASCII-only),
//     as YAML double- and single-quoted scalars and as Go's %q (helm's
//     quote function) print it;
//   - line by line, for multi-line values (YAML block scalars print each
//     line with indentation), and in the pieces between spaces that a YAML
//     emitter folding a long scalar at column 80 prints on lines of their
//     own (FoldMin);
//   - base64-encoded (standard and URL alphabets) at any of the three
//     byte alignments, so a secret inside a larger base64 blob (a config
//     file in Secret.data) is found too; the whole base64 run holding it
//     is masked;
//   - URL-encoded (query and path escaping) and HTML-escaped.
//
// Values shorter than MinLen bytes, or too common to mask without
// destroying the output (true, false, null, ...), are not masked: Compile
// lists their names in Set.Skipped so the caller can warn about them.
//
// The Writer streams with bounded memory: it holds back at most the
// longest pattern (ChunkLen bytes; longer values are matched in chunks)
// plus the base64 run being read (at most MaxRun bytes), so a value split
// across two Write calls is still masked. Close flushes the rest.
//
// Matching uses a hashed 4-byte prefix filter over every pattern: one
// table lookup per input byte, with a pattern comparison only where a
// 4-byte prefix of some pattern occurs.
package redact
