package clean

// The help texts follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

// Usage is the help of the legacy clean.
const Usage = `helm secrets [ OPTIONS ] clean <dir>

Clean all decrypted files if any exist

Removes the decrypted *.dec files (HELM_SECRETS_DEC_PREFIX*HELM_SECRETS_DEC_SUFFIX)
that the shell plugin may have left below <dir>, listing each one. This plugin
never writes such files; use this once when you migrate.

`
