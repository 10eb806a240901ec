package placement

// Usage is the help of placement.
const Usage = `helm secrets [ OPTIONS ] placement -f SECRETS [ -f SECRETS... ] [ flags ] [ MANIFEST | - ]

Report where decrypted values land in rendered manifests

Reads a rendered manifest stream (MANIFEST, or stdin for - or none), such as
helm template prints, decrypts the -f values files in memory and reports
every place a decrypted value (a leaf of a values file, at least --min-length
bytes; as is, escaped, base64-encoded at any alignment or folded) lands
outside a Secret's data or stringData:
  configmap        a ConfigMap's data or binaryData (error)
  env-literal      a container's env[].value (error)
  container-args   a container's args or command (error)
  metadata         metadata annotations or labels, at any depth (error)
  other-field      any other field of any kind, CRDs too, or a map key (error)
  notes            the chart's notes, after a NOTES: line (error)
  unparsed         a comment, or a document that is not YAML (error)
  secret-env       a Secret holding a decrypted value is read through
                   env[].valueFrom.secretKeyRef or envFrom (warning: prefer a
                   volume mount)
Each finding names the values file and key path, the resource and the field,
never the value.

Flags:
  -f, --values FILE              encrypted values file (repeatable, required)
  -o, --output table|json|sarif  report format (default table; sarif is SARIF 2.1.0)
      --policy FILE              exception file (default: .helm-secrets-placement.yaml
                                 in the current directory, if present)
      --min-length N             shortest value looked for (default 6)

Exit codes: 0 no findings of level error (warnings and accepted findings
allowed), 1 findings, 2 usage error, unreadable input or a file that does
not decrypt.

Example:
  $ helm secrets template app ./chart -f secrets.yaml | helm secrets placement -f secrets.yaml
  $ helm secrets --check-placement=error template app ./chart -f secrets.yaml

`
