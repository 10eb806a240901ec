package cmdutil

// Help is the top-level help of the helm-secrets binary (helm secrets
// --help). It follows the shell plugin's wording (scripts and tests grep
// for its lines), adapted where we behave better.
const Help = `
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
