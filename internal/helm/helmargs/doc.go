// Package helmargs reads and rewrites the values sources of a helm
// command line (-f/--values lists, --set-file pairs, --set, --set-string
// and --set-json values) the way helm's own flag parser splits them, and
// helm's --set backslash escapes. It depends on the standard library only,
// so the lean wrapper (cmd/helm-secrets-wrapper) and the full one
// (internal/helm/wrapper) share it.
package helmargs
