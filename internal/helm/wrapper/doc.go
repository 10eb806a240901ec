// Package wrapper is the full wrapper behind `helm secrets <command>`: it
// finds every values source on a helm command line (internal/helm/helmargs),
// decrypts each through its backend in parallel and in memory (files, URLs,
// --set-file, encrypted --set* literals, which move to --set-file so no
// plaintext is in helm's argv), stops before helm starts when any fails,
// and hands the plaintexts to helm through in-memory delivery
// (internal/lean/delivery). Prepare does all of that and returns the
// rewritten arguments; the caller runs helm (internal/helm/helmrun).
//
// wrap.go holds the sources and backends, args.go the --set-file
// splitting, checked against helm's own parser.
package wrapper
