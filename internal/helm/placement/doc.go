// Package placement finds where decrypted values land in rendered
// Kubernetes manifests: every occurrence of every secret (the leaves of
// the decrypted values files), in every form the output redaction knows
// (internal/helm/redact: as is, escaped, base64 at any alignment, folded), is
// classified by the resource's kind and the field's path. A secret in a
// Secret's data or stringData is where it belongs; anywhere else (a
// ConfigMap, an env literal, container arguments, annotations and labels,
// any other field of any kind, the chart's notes, a comment) is a finding,
// and a Secret holding a decrypted value that a container reads through
// env[].valueFrom.secretKeyRef or envFrom is a warning (prefer a volume
// mount). It is the engine of `helm secrets placement` and
// `--check-placement` (docs/placement.md).
//
// Findings name the values file and key path a secret came from, the
// resource and the field, never the value: names taken from the manifest
// (resource names, map keys, template paths) that hold a secret are
// replaced by Redacted.
package placement
