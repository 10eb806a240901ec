package main

import "strings"

// The texts below follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

const helpText = `
helm-secrets is a helm plugin for decrypt encrypted helm value files on the fly.

For more information, see the README.md at https://github.com/helm-secrets/helm-secrets

To decrypt/encrypt/edit locally you need to initialize/first encrypt secrets with
sops - https://github.com/getsops/sops

This plugin runs sops in process (no sops binary needed) and never writes
decrypted values to disk: there are no .dec files.

Available Commands:
  encrypt     Encrypt secrets file
  decrypt     Decrypt secrets file
  edit        Edit secrets file and encrypt afterwards
  rotate      Re-encrypt secrets file with a new data key
  updatekeys  Re-encrypt the data key of secrets file for the recipients in .sops.yaml
  check       Check the repository's secrets files against .sops.yaml
  git         Set up git's merge and diff drivers for secrets files (git setup)
  diff-keys   List the key paths that changed in secrets files, never a value
  placement   Report where decrypted values land in rendered manifests
  dir         Get plugin directory
  patch       Accepted for compatibility; does nothing
  <cmd>       wrapper that decrypts encrypted yaml files before running helm <cmd>

Legacy commands (helm-secrets 3.x names): view, dec, enc, terraform, clean

Available Options:
  --quiet                                          -q  Suppress info messages (env: $HELM_SECRETS_QUIET)
  --backend                                        -b  Secret backend to use for decryption or encryption: sops, vals, noop or a path to a custom backend script (env: $HELM_SECRETS_BACKEND)
  --backend-args                                   -a  Additional args for secret backend; the in-process sops backend only honours --verbose (env: $HELM_SECRETS_BACKEND_ARGS)
  --ignore-missing-values [true|false]                 Ignore missing value files (env: $HELM_SECRETS_IGNORE_MISSING_VALUES)
  --evaluate-templates [true|false]                    Evaluate secret expressions inside helm template (only supported by vals backend) (env: $HELM_SECRETS_EVALUATE_TEMPLATES)
  --evaluate-templates-decode-secrets [true|false]     If --evaluate-templates is set, decode base64 values from secrets to evaluate them (env: $HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS)
  --decrypt-secrets-in-tmp-dir [true|false]            Accepted for compatibility; decrypted values never touch the disk (env: $HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR)
  --redact [true|false|stderr]                         Mask decrypted values in helm's stdout and stderr (stderr: only there) (env: $HELM_SECRETS_REDACT)
                                                       default: on for diff, lint, status, history, get values/all, --dry-run, --debug;
                                                       off for template, install, upgrade and the rest. --redact=false always wins.
  --check-placement [warn|error|false]                 Report decrypted values outside Secrets in template's output, or in the
                                                       manifests install/upgrade send (bare: error, exit 1 on findings; install
                                                       and upgrade stop before the cluster; warn: report only)
                                                       (env: $HELM_SECRETS_CHECK_PLACEMENT)
  --help                                           -h  Show help
  --version                                        -v  Display version of helm-secrets

Audit trail:
  HELM_SECRETS_AUDIT_LOG=FILE|-   one JSON line per decryption and encryption (file, URL
                                  redacted or "--set KEY", key used, user, host, git commit;
                                  never a value) appended to FILE, or written to stderr for -;
                                  see docs/audit.md
`

const encryptUsage = `helm secrets [ OPTIONS ] encrypt [ -i ] <path to file>

Encrypt secrets

Encrypts a plain file for the recipients of the first matching creation rule
of the .sops.yaml found from the file's directory upwards, and prints the
result. With -i the file is replaced in place, atomically (it is never
half-written) and keeping its permissions; nothing is printed.

The format follows the file name as with sops (.yaml/.yml, .json, .env, .ini);
other files are encrypted as YAML when they hold a YAML mapping, else as
binary.

You can use plain sops to encrypt - https://github.com/getsops/sops

Example:
  $ helm secrets encrypt -i <SECRET_FILE_PATH>
  $ git add <SECRET_FILE_PATH>
  $ git commit
  $ git push

`

const decryptUsage = `helm secrets [ OPTIONS ] decrypt [ -i ] [ --terraform ] <path to file>

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

const editUsage = `helm secrets [ OPTIONS ] edit <path to file>

Edit encrypted secrets

Decrypt encrypted file, edit and then encrypt

The plaintext is written to a private temporary file (mode 0600 in a 0700
directory) that is removed whatever happens. The editor is $SOPS_EDITOR, else
$EDITOR, else vi. Values you did not change keep their ciphertext, so diffs
stay small. If the edited text is not valid, the file is left untouched. A
file that does not exist is created for the recipients of .sops.yaml.

You can use plain sops to edit - https://github.com/getsops/sops

Example:
  $ helm secrets edit <SECRET_FILE_PATH>
  or $ sops <SECRET_FILE_PATH>
  $ git add <SECRET_FILE_PATH>
  $ git commit
  $ git push

`

const rotateUsage = `helm secrets [ OPTIONS ] rotate [ -i ] <path to file>
helm secrets [ OPTIONS ] rotate -r [ --dry-run ] <file or directory>...

Rotate the data key of secrets

Re-encrypts every value with a new data key, for the same recipients, and
prints the result; with -i the file is replaced in place (atomically).

With -r, --dry-run or a directory argument, every encrypted file named or
found below the directories (symbolic links not followed) is rotated in
place, in parallel, each file atomically; a line per file and a summary go
to stderr. --dry-run rotates in memory only and writes nothing. If any file
fails, the others are still rotated and the exit code is 1.

Example:
  $ helm secrets rotate -i <SECRET_FILE_PATH>
  $ helm secrets rotate -r secrets/

`

const updatekeysUsage = `helm secrets [ OPTIONS ] updatekeys <path to file>
helm secrets [ OPTIONS ] updatekeys -r [ --dry-run ] <file or directory>...

Update the recipients of secrets

Re-encrypts the data key of the file for the recipients of its current
.sops.yaml creation rule (adding and removing keys), in place and atomically.
The values and their ciphertext do not change. Prints what changed; asks no
questions.

With -r, --dry-run or a directory argument, every encrypted file named or
found below the directories is updated the same way, in parallel, each file
atomically, followed by a summary. --dry-run writes nothing. If any file
fails, the others are still updated and the exit code is 1.

Example:
  $ helm secrets updatekeys <SECRET_FILE_PATH>
  $ helm secrets updatekeys -r --dry-run secrets/

`

const dirUsage = `helm secrets dir

Get plugin directory

Prints $HELM_PLUGIN_DIR, else the directory this plugin is installed in.

`

const patchUsage = `helm secrets patch [unix|windows]

Accepted for compatibility with the shell plugin, which rewrote its
plugin.yaml for Windows. This plugin is a native binary on every platform:
there is nothing to patch.

`

const viewUsage = `helm secrets [ OPTIONS ] view <path to file>

View specified encrypted yaml file

Legacy name of "helm secrets decrypt <path to file>": prints the plaintext.

`

const decUsage = `helm secrets [ OPTIONS ] dec <path to file>

Decrypt secrets file

Legacy name (helm-secrets 3.x) of "helm secrets decrypt <path to file>". It
prints the plaintext; it does not write a .dec file.

`

const encUsage = `helm secrets [ OPTIONS ] enc <path to file>

Encrypt secrets file

Legacy name (helm-secrets 3.x) of "helm secrets encrypt -i <path to file>":
encrypts the file in place. A FILE.dec next to it is not used.

`

const terraformUsage = `helm secrets [ OPTIONS ] terraform <path to file>

Decrypt secrets for Terraform

Legacy name of "helm secrets decrypt --terraform <path to file>".

`

const cleanUsage = `helm secrets [ OPTIONS ] clean <dir>

Clean all decrypted files if any exist

Removes the decrypted *.dec files (HELM_SECRETS_DEC_PREFIX*HELM_SECRETS_DEC_SUFFIX)
that the shell plugin may have left below <dir>, listing each one. This plugin
never writes such files; use this once when you migrate.

`

const wrapperUsage = `helm secrets [ OPTIONS ] <cmd>

This is a wrapper for "helm [command]". It will detect -f and
--values options, and decrypt any encrypted *.yaml files before running "helm
[command]". Decrypted values are handed to helm without touching the disk.

Example:
  $ helm secrets <HELM SECRETS OPTIONS> upgrade <HELM UPGRADE OPTIONS>
  $ helm secrets <HELM SECRETS OPTIONS> lint <HELM LINT OPTIONS>

With --redact (default for diff, lint, status, history, get values/all,
--dry-run and --debug; see helm secrets --help) every decrypted value is
replaced by [redacted] in what helm prints, also escaped, base64- or
URL-encoded; helm's exit code is unchanged.

Typical usage:
  $ helm secrets upgrade i1 stable/nginx-ingress -f values.test.yaml -f secrets.test.yaml
  $ helm secrets -b noop lint ./my-chart -f values.test.yaml -f secrets.test.yaml

`

// wrapperUsageFor is the wrapper usage with <cmd> replaced by the word the
// user typed.
func wrapperUsageFor(cmd string) string {
	return strings.Replace(wrapperUsage, "<cmd>", cmd, 1)
}
