// Package fastpath holds what the lean binaries (the getter,
// cmd/helm-secrets-getter, and the wrapper, cmd/helm-secrets-wrapper) use
// to decide that they can produce exactly what the full helm-secrets
// binary would: which HELM_SECRETS_* settings leave its output unchanged
// (Getter, Wrapper, Allows), and the age-only decryption of a local YAML
// file with internal/lean/sopslite (ReadFile, DecryptYAML). Every case it
// refuses goes to the full binary, whose output or error is authoritative.
package fastpath
