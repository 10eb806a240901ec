// Package leanwrap is the wrapper's fast path: `helm secrets install|
// upgrade|template ...` with local YAML values files whose data keys are
// wrapped for the environment's age identities, and plain --set values,
// prepared without the sops library, its key-service clients or the Helm
// SDK (internal/lean/sopslite decrypts; internal/helm/helmargs rewrites the command
// line; internal/lean/delivery serves the plaintext; internal/helm/helmrun runs
// helm). cmd/helm-secrets-wrapper uses it.
//
// Prepare takes a command line only when it can prove the full wrapper
// (internal/helm/wrapper, run by cmd/helm-secrets) would produce the same
// result: the same helm arguments, the same plaintext served, the same
// messages. Everything else (other backends and commands, global
// options, URLs, --set-file, encrypted literals, missing or optional
// files, redaction, post-renderers, audit events, debug output, any
// failure) it declines, and the caller hands the command line to the full
// binary unchanged, whose result or error is authoritative. The
// differential tests run both over one corpus.
package leanwrap
