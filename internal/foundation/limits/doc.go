// Package limits holds the bounds on what repository files may make a run
// do, shared by pkg/encrypt and the lean getter (which must not link it):
// the nesting depth of a document, checked by a linear scan of the text
// before any parser sees it, the size of a .sops.yaml, and the range of
// its store settings.
//
// Why depth: sops binds every value to its key path (the AES-GCM
// additional data is the path joined with ':'), and its emitters indent
// each level, so the work and the output for a document grow with size ×
// depth: 140 KB of JSON nested 10,000 deep took 14.8 s to encrypt and
// gave 151 MB. With depth bounded, both are linear in the input.
package limits
