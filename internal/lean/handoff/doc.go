// Package handoff lets a lean binary give a case it does not handle to the
// full helm-secrets binary next to it, unchanged: on Unix by exec (the
// process becomes the full binary, so its output, errors and exit code
// are the caller's to see), on Windows by running it with the same
// standard streams and returning its exit code.
package handoff
