#!/usr/bin/env sh
# A helper library for custom secret backends, compatible with the one the
# shell plugin ships under the same path. A backend script sources it,
#
#   _BACKEND_REGEX='!vault [A-Za-z0-9/_.-]*#[A-Za-z0-9_.-]*'
#   . "${SCRIPT_DIR}/lib/backends/_custom.sh"
#
# and defines _custom_backend_get_secret TYPE SECRET (print the secret) and,
# optionally, _custom_backend_is_yaml TYPE SECRET (true: the secret is a
# YAML document, inserted as a block). Every match of _BACKEND_REGEX in a
# values file is replaced by a YAML alias of an anchor that holds the
# secret, the anchors put in front of the file.
#
# Unlike the shell plugin's version, nothing is written to a file: the
# document is held in shell variables and printed to stdout, which
# helm-secrets reads into memory.

_custom_backend_is_yaml() {
    false
}

_custom_backend_get_secret() {
    fatal "Please override function '_custom_backend_get_secret' in your backend!"
}

_custom_backend_is_file_encrypted() {
    _custom_backend_is_encrypted <"${1}"
}

_custom_backend_is_encrypted() {
    LC_ALL=C.UTF-8 grep -q -e "${_BACKEND_REGEX}" -
}

_custom_backend_encrypt_file() {
    fatal "Encrypting files is not supported!"
}

# _custom_backend_decrypt_file TYPE INPUT [OUTPUT]: OUTPUT empty prints to
# stdout; INPUT may be /dev/stdin, so it is read once.
_custom_backend_decrypt_file() {
    _cb_type="${1}"
    _cb_output="${3:-}"
    _cb_in="$(cat -- "${2}"; printf x)"
    _cb_in="${_cb_in%x}"

    # The document without its "---" separators.
    _cb_body="$(printf '%s' "${_cb_in}" | sed -e '/^---$/d'; printf x)"
    _cb_body="${_cb_body%x}"
    _cb_anchors=""

    _cb_exprs="$(printf '%s' "${_cb_in}" | LC_ALL=C.UTF-8 grep -o -e "${_BACKEND_REGEX}" | sort | uniq)"
    _cb_ifs="${IFS}"
    IFS='
'
    for _cb_expr in ${_cb_exprs}; do
        _SECRET="${_cb_expr#* }"
        if ! SECRET="$(_custom_backend_get_secret "${_cb_type}" "${_SECRET}")"; then
            exit 1
        fi
        _cb_anchor="$(printf 'helm-secret-%s' "${_SECRET}" | tr '#$/*.' '_')"
        _cb_pattern="$(printf '%s' "${_cb_expr}" | _regex_escape)"
        _cb_body="$(printf '%s' "${_cb_body}" | sed -e "s/${_cb_pattern}/*${_cb_anchor}/g"; printf x)"
        _cb_body="${_cb_body%x}"
        if _custom_backend_is_yaml "${_cb_type}" "${_SECRET}"; then
            _cb_block="$(printf '%s\n\n' "${SECRET}" | sed -e 's/^/  /'; printf x)"
            _cb_anchors="${_cb_anchors}.${_cb_anchor}: &${_cb_anchor}
${_cb_block%x}"
        else
            _cb_anchors="${_cb_anchors}.${_cb_anchor}: &${_cb_anchor} ${SECRET}

"
        fi
    done
    IFS="${_cb_ifs}"

    if [ "${_cb_output}" = "" ]; then
        printf '%s%s' "${_cb_anchors}" "${_cb_body}"
    else
        printf '%s%s' "${_cb_anchors}" "${_cb_body}" >"${_cb_output}"
    fi
}

# _custom_backend_decrypt_literal VALUE: a --set value that is a reference
# (the whole value matches _BACKEND_REGEX) prints its secret; any other
# value prints unchanged, which helm-secrets takes as "not encrypted".
_custom_backend_decrypt_literal() {
    _cb_match="$(printf '%s' "${1}" | LC_ALL=C.UTF-8 grep -o -x -e "${_BACKEND_REGEX}" || true)"
    if [ "${_cb_match}" != "" ] && [ "${_cb_match}" = "${1}" ]; then
        _custom_backend_get_secret yaml "${1#* }"
    else
        printf '%s' "${1}"
    fi
}

_custom_backend_edit_file() {
    fatal "custom: Editing files is not supported!"
}
