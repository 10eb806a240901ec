package decrypt

// The help texts follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

// Usage is the help of decrypt.
const Usage = `helm secrets [ OPTIONS ] decrypt [ -i ] [ --terraform ] <path to file>

Decrypt secrets

It uses your sops keys (age, PGP, KMS, ...) to decrypt previously encrypted
values file and prints the plaintext exactly, trailing newlines included. The
file may also be an http:// or https:// URL.

  -i           decrypt the file in place (atomically, keeping its permissions)
  --terraform  print {"content_base64":"..."} for Terraform's external data source

You can use plain sops to decrypt specific files - https://github.com/getsops/sops

Typical usage:
  $ helm secrets decrypt secrets/project/secrets.yaml

  # Decrypt file inline

  $ helm secrets decrypt -i secrets/project/secrets.yaml

`

// ViewUsage is the help of the legacy view.
const ViewUsage = `helm secrets [ OPTIONS ] view <path to file>

View specified encrypted yaml file

Legacy name of "helm secrets decrypt <path to file>": prints the plaintext.

`

// DecUsage is the help of the legacy dec.
const DecUsage = `helm secrets [ OPTIONS ] dec <path to file>

Decrypt secrets file

Legacy name (helm-secrets 3.x) of "helm secrets decrypt <path to file>". It
prints the plaintext; it does not write a .dec file.

`

// TerraformUsage is the help of the legacy terraform.
const TerraformUsage = `helm secrets [ OPTIONS ] terraform <path to file>

Decrypt secrets for Terraform

Legacy name of "helm secrets decrypt --terraform <path to file>".

`
