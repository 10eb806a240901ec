#!/usr/bin/env sh
# An example custom secret backend for helm-secrets (and the shell plugin):
# values written as `!env NAME` are references to the environment variable
# NAME, resolved at deploy time (e.g. a CI job that injects secrets as
# variables). Use it with
#
#   helm secrets -b ./examples/backends/env.sh template app ./chart -f values.yaml
#
# helm-secrets sources this file in sh and calls the functions below, as the
# shell plugin does. Decrypted output goes to stdout; nothing is written to
# a file. `log`, `error` and `fatal` are provided by helm-secrets.

_env_ref='!env [A-Za-z_][A-Za-z0-9_]*'

_custom_backend_is_file_encrypted() {
    grep -q -e "${_env_ref}" "${1}"
}

# _custom_backend_decrypt_file TYPE INPUT [OUTPUT]: each `!env NAME` becomes
# the variable's value as a double-quoted YAML string; a variable that is
# not set is an error.
_custom_backend_decrypt_file() {
    if [ -n "${3:-}" ]; then
        fatal 'env backend: writing plaintext to a file is not supported'
    fi
    awk '
        {
            line = $0; out = ""
            while (match(line, /!env [A-Za-z_][A-Za-z0-9_]*/)) {
                name = substr(line, RSTART + 5, RLENGTH - 5)
                if (!(name in ENVIRON)) {
                    printf "[helm-secrets] env backend: %s is not set\n", name > "/dev/stderr"
                    exit 1
                }
                v = ENVIRON[name]
                gsub(/\\/, "&&", v); gsub(/"/, "\\\"", v)
                out = out substr(line, 1, RSTART - 1) "\"" v "\""
                line = substr(line, RSTART + RLENGTH)
            }
            print out line
        }
    ' "${2}"
}

_custom_backend_decrypt_literal() {
    case "${1}" in
    '!env '*)
        printenv "${1#!env }" >/dev/null || fatal 'env backend: %s is not set' "${1#!env }"
        printenv "${1#!env }" | tr -d '\n'
        ;;
    *) printf '%s' "${1}" ;;
    esac
}

_custom_backend_encrypt_file() {
    fatal 'Encrypting files is not supported!'
}

_custom_backend_edit_file() {
    fatal 'custom: Editing files is not supported!'
}
