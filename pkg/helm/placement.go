package helm

import "github.com/helm-secrets/helm-secrets/internal/helm/placement"

// SecretValues is one source of decrypted values for CheckPlacement:
// Name names it in findings (the values file), Document is its decrypted
// document (YAML or JSON) or, when Document is nil, Values are the
// decrypted values. Every leaf of it is looked for: pass the secrets
// files only, not plain values.
type SecretValues = placement.Source

// PlacementFinding is one place where a decrypted value lands outside a
// Secret's data or stringData: the rule, the values file and key path it
// came from (Source), the resource (Kind, Namespace, Name) and the field
// path (Field). It never holds the value (docs/placement.md).
type PlacementFinding = placement.Finding

// PlacementPolicy holds accepted exceptions (LoadPlacementPolicy reads the
// .helm-secrets-placement.yaml format).
type PlacementPolicy = placement.Policy

// PlacementOptions tune CheckPlacement: MinLen is the shortest value
// looked for (default 6 bytes); Policy drops the findings it accepts.
type PlacementOptions = placement.CheckOptions

// LoadPlacementPolicy reads and validates an exception file.
func LoadPlacementPolicy(path string) (*PlacementPolicy, error) { return placement.LoadPolicy(path) }

// CheckPlacement finds every decrypted value of secrets in a rendered
// manifest (Template.Output, a release's Manifest) in every form the
// output redaction knows (as is, escaped, base64 at any alignment,
// folded) and returns where it lands outside a Secret's data or
// stringData, as `helm secrets placement` reports it: findings of level
// "error" for ConfigMaps, env[].value literals, container args and
// command, annotations and labels and any other field; "warning" for a
// Secret holding a decrypted value that a container reads through
// env[].valueFrom.secretKeyRef or envFrom. Findings an exception of
// o.Policy accepts are left out.
func CheckPlacement(manifest string, secrets []SecretValues, o PlacementOptions) ([]PlacementFinding, error) {
	r, err := placement.Check([]byte(manifest), secrets, o)
	if err != nil {
		return nil, err
	}
	return r.Findings, nil
}
