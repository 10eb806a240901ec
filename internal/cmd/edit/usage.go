package edit

// The help texts follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

// Usage is the help of edit.
const Usage = `helm secrets [ OPTIONS ] edit <path to file>

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
