package helm

import "github.com/helm-secrets/helm-secrets/internal/pathpolicy"

// PathPolicy restricts the local values paths a run may read: the
// hardening settings for shared servers such as an Argo CD repo server
// (fields DenySymlinks, DenyAbsolute, DenyTraversal; method Check). The
// zero value allows everything.
type PathPolicy = pathpolicy.Policy

// PathPolicyFromEnv reads the HELM_SECRETS_VALUES_ALLOW_* variables; only
// the exact value "false" restricts, as with the shell plugin.
func PathPolicyFromEnv() PathPolicy { return pathpolicy.FromEnv() }
