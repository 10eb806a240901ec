package helmwrap

import "strings"

// Usage is the wrapper's help text; <cmd> stands for the helm command.
const Usage = `helm secrets [ OPTIONS ] <cmd>

This is a wrapper for "helm [command]". It will detect -f and
--values options, and decrypt any encrypted *.yaml files before running "helm
[command]". Decrypted values are handed to helm without touching the disk.

Example:
  $ helm secrets <HELM SECRETS OPTIONS> upgrade <HELM UPGRADE OPTIONS>
  $ helm secrets <HELM SECRETS OPTIONS> lint <HELM LINT OPTIONS>

With --redact (default for diff, lint, status, history, get values/all,
--dry-run and --debug; see helm secrets --help) every decrypted value is
replaced by [redacted] in what helm prints, also escaped, base64- or
URL-encoded; helm's exit code is unchanged. diff revision, diff rollback,
diff release, get values and get all print stored releases: their
-f FILE names the secrets to mask there (decrypted, not passed to helm).

Typical usage:
  $ helm secrets upgrade i1 stable/nginx-ingress -f values.test.yaml -f secrets.test.yaml
  $ helm secrets -b noop lint ./my-chart -f values.test.yaml -f secrets.test.yaml
  $ helm secrets diff revision i1 1 2 -f secrets.test.yaml

`

// UsageFor is the wrapper usage with <cmd> replaced by the word the
// user typed.
func UsageFor(cmd string) string {
	return strings.Replace(Usage, "<cmd>", cmd, 1)
}
