package encrypt

// The help texts follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

// Usage is the help of encrypt.
const Usage = `helm secrets [ OPTIONS ] encrypt [ -i ] <path to file>

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

// EncUsage is the help of the legacy enc.
const EncUsage = `helm secrets [ OPTIONS ] enc <path to file>

Encrypt secrets file

Legacy name (helm-secrets 3.x) of "helm secrets encrypt -i <path to file>":
encrypts the file in place. A FILE.dec next to it is not used.

`
