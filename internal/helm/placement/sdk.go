package placement

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// Source is one decrypted values source for Check: Name names it in
// findings (a file name); Document is the decrypted document (YAML or
// JSON), or, when nil, Values is marshalled to YAML. Every leaf is a
// secret.
type Source struct {
	Name     string
	Document []byte
	Values   map[string]interface{}
}

// CheckOptions tune Check (the zero value: defaults).
type CheckOptions struct {
	MinLen int     // shortest value looked for (default DefaultMinLen)
	Policy *Policy // accepted exceptions (nil: none)
}

// Check is Run for library callers (pkg/helm, pkg/helm4): the findings
// of manifest for the leaves of sources. The error names a source whose
// Values cannot be marshalled; it never holds a value.
func Check(manifest []byte, sources []Source, o CheckOptions) (*Report, error) {
	var secrets []redact.Secret
	for i, s := range sources {
		doc := s.Document
		if doc == nil && s.Values != nil {
			var err error
			if doc, err = yaml.Marshal(s.Values); err != nil {
				return nil, fmt.Errorf("placement: source %d (%s): values cannot be marshalled", i, s.Name)
			}
		}
		if doc != nil {
			secrets = append(secrets, redact.Leaves(s.Name, doc)...)
		}
	}
	return Run(Options{Manifest: manifest, Secrets: secrets, MinLen: o.MinLen, Policy: o.Policy})
}
