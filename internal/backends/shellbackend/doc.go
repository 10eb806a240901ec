// Package shellbackend runs a custom secret backend of the shell plugin:
// a shell script, selected with -b PATH or HELM_SECRETS_BACKEND=PATH, that
// defines the functions the shell plugin's lib/backend.sh calls:
//
//	_custom_backend_is_file_encrypted FILE         exit status 0: encrypted
//	_custom_backend_decrypt_file TYPE FILE [OUT]   no OUT: plaintext on stdout
//	_custom_backend_decrypt_literal VALUE          plaintext on stdout
//	_custom_backend_encrypt_file TYPE FILE OUT     OUT = FILE: in place; "": stdout
//	_custom_backend_edit_file TYPE FILE
//
// As in the shell plugin, the script is sourced by sh (with set -euf) and
// the function called in the same shell, with the shell plugin's variables
// (SECRET_BACKEND=custom, SECRET_BACKEND_ARGS, QUIET, SCRIPT_DIR,
// HELM_SECRETS_SCRIPT_DIR) and its helpers log, error and fatal defined.
// Decrypted output is always read from the function's stdout, into
// memory: we never ask a backend to write plaintext to a file.
package shellbackend
