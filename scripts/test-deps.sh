#!/usr/bin/env bash
# Installs the pinned test dependencies into $HELM_SECRETS_CACHE/tools and prints
# `export` lines for the caller to eval:
#
#   eval "$(scripts/test-deps.sh)"
#
# Go tools are built from the Go module proxy (nothing is downloaded from
# GitHub): helm v3, helm v4 and sops from this module's build list
# (build_in_module in lib.sh), the others with `go install` or from their
# own go.mod; gpg and gpg-agent come from Debian's gnupg package
# and pre-commit from Debian's pre-commit package, installed with apt-get only
# when missing. A second run only checks that the
# binaries exist.
#
# Exported: HELM_SECRETS_CACHE HELM3_BIN HELM4_BIN SOPS_BIN AGE_BIN
#           AGE_KEYGEN_BIN STATICCHECK_BIN GPG_BIN GPG_AGENT_BIN PRE_COMMIT_BIN HELMFILE_BIN
#           HELM_DIFF_PLUGIN_DIR HELM_SECRETS_TEST_PATH PATH
# HELM_DIFF_PLUGIN_DIR is a ready helm-diff plugin folder (plugin.yaml and
# bin/diff, no install hook): `helm plugin install DIR` (Helm 4: add
# --verify=false) installs it on Helm 3 and Helm 4.
# HELM_SECRETS_TEST_PATH holds the folders of sops, age and age-keygen, and is
# prepended to PATH. helm is deliberately not on it: there are two versions,
# each in its own folder ($HELM3_BIN, $HELM4_BIN).
set -euo pipefail

# --- pinned versions (the only place to change them) -------------------------
HELM3_VERSION=v3.22.0
HELM4_VERSION=v4.3.1
SOPS_VERSION=v3.13.3
AGE_VERSION=v1.3.2
STATICCHECK_VERSION=v0.8.2
HELMFILE_VERSION=v1.8.0
# helm-diff is not served by the Go module proxy: it is built from its
# unmodified source archive, kept in scripts/thirdparty/ and checked here.
HELM_DIFF_VERSION=v3.15.11
HELM_DIFF_SHA256=9f15b313afe0100d9bf23d410daa4b725867c29dd3da7c626ad221e9e1e67bdd
# ------------------------------------------------------------------------------

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# check_version BIN EXPECTED ARGS... — fails unless `BIN ARGS...` prints EXPECTED.
check_version() {
	local bin="$1" expected="$2" out
	shift 2
	out="$("${bin}" "$@" 2>&1)" || die "'${bin} $*' failed: ${out}"
	[[ "${out}" == *"${expected}"* ]] ||
		die "'${bin} $*' printed '${out}', expected it to contain '${expected}'"
}

# Values of the exported variables, by name.
declare -A out

# install_tool VAR NAME PACKAGE@VERSION EXPECTED "VERSION ARGS" [GO FLAGS...]
# Installs the tool (unless present), stores its path in the variable VAR, and
# on a fresh install checks that its version output contains EXPECTED.
# (Stores the binary's path in out[VAR].)
install_tool() {
	local var="$1" name="$2" spec="$3" expected="$4" version_args="$5"
	shift 5
	local pkg="${spec%@*}" version="${spec##*@}" fresh=0 bin
	if [[ ! -x "$(tool_dir "${name}" "${version}")/${pkg##*/}" ]]; then
		fresh=1
	fi
	bin="$(go_install_pinned "${name}" "${spec}" "$@")"
	if [[ "${fresh}" == 1 ]]; then
		local -a args
		read -r -a args <<<"${version_args}"
		check_version "${bin}" "${expected}" "${args[@]}"
	fi
	out[${var}]="${bin}"
}

# build_tool VAR NAME MODULE VERSION PACKAGE EXPECTED "VERSION ARGS" [GO FLAGS...]
# Like install_tool, for a command built from this module's build list
# (build_in_module in lib.sh).
build_tool() {
	local var="$1" name="$2" module="$3" version="$4" pkg="$5" expected="$6" version_args="$7"
	shift 7
	local fresh=0 bin
	if [[ ! -x "$(tool_dir "${name}" "${version}")/${pkg##*/}" ]]; then
		fresh=1
	fi
	bin="$(build_in_module "${name}" "${module}" "${version}" "${pkg}" "$@")"
	if [[ "${fresh}" == 1 ]]; then
		local -a args
		read -r -a args <<<"${version_args}"
		check_version "${bin}" "${expected}" "${args[@]}"
	fi
	out[${var}]="${bin}"
}

# helm_ldflags MAJOR VERSION — the -ldflags of Helm's own Makefile: the version
# (without it `helm version` prints "v3.22"/"v4.3" only), and for Helm 3 the
# default Kubernetes version for `helm template`/lint, derived from the
# k8s.io/client-go version in that Helm release's go.mod (client-go v0.X.Y ->
# Kubernetes 1.X).
helm_ldflags() {
	local major="$1" version="$2"
	local flags="-s -w -X helm.sh/helm/${major}/internal/version.version=${version}"
	if [[ "${major}" == v3 ]]; then
		local gomod client_go minor
		gomod="$(module_gomod "helm.sh/helm/v3@${version}")"
		client_go="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "${gomod}")"
		minor="$(cut -d. -f2 <<<"${client_go}")"
		[[ "${minor}" =~ ^[0-9]+$ ]] || die "cannot read the k8s.io/client-go version of helm ${version}"
		local p
		for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
			flags+=" -X ${p}.k8sVersionMajor=1 -X ${p}.k8sVersionMinor=${minor}"
		done
	fi
	printf '%s\n' "${flags}"
}

# install_helmfile — helmfile cannot be `go install`ed (its go.mod has
# replace directives), so its module is downloaded with `go mod download`,
# copied to a writable folder and built there with `go build`
# (build_tool_source: its dependencies raised to this module's versions, or
# as its go.mod has them). Cached like the other tools; stores
# out[HELMFILE_BIN].
install_helmfile() {
	local dir bin
	dir="$(tool_dir helmfile "${HELMFILE_VERSION}")"
	bin="${dir}/helmfile"
	if [[ ! -x "${bin}" ]]; then
		local spec="github.com/helmfile/helmfile@${HELMFILE_VERSION}" moddir tmp t0
		t0="$(now_ms)"
		log "building ${spec} -> ${dir}"
		moddir="$(module_dir "${spec}")"
		mkdir -p "${dir}"
		tmp="$(mktemp -d "${dir}/.install.XXXXXX")"
		if ! build_tool_source "${moddir}" "${tmp}" "${tmp}/helmfile" \
			-ldflags "-s -w -X go.szostok.io/version.version=${HELMFILE_VERSION}" .; then
			rm -rf "${tmp}"
			die "go build ${spec} failed"
		fi
		# Without the variable, `helmfile version` asks GitHub for a newer release.
		if ! HELMFILE_UPGRADE_NOTICE_DISABLED=1 "${tmp}/helmfile" version 2>&1 | grep -qF "${HELMFILE_VERSION}"; then
			rm -rf "${tmp}"
			die "the helmfile just built does not report version ${HELMFILE_VERSION}"
		fi
		mv -f "${tmp}/helmfile" "${bin}"
		rm -rf "${tmp}"
		log "built helmfile ${HELMFILE_VERSION} in $(($(now_ms) - t0)) ms"
	fi
	out[HELMFILE_BIN]="${bin}"
}

# install_helm_diff — builds the helm-diff plugin from its source archive
# (scripts/thirdparty/helm-diff-VERSION.tar.gz, checked against
# HELM_DIFF_SHA256) into tools/helm-diff-VERSION/diff/: bin/diff, built with
# -trimpath and the version its Makefile sets, and the archive's plugin.yaml
# without its install/update hooks (they download a release binary). Its Go
# dependencies come from the module proxy (build_tool_source: raised to this
# module's versions, or as its go.sum pins them). Cached by version; stores
# out[HELM_DIFF_PLUGIN_DIR].
install_helm_diff() {
	local dir plugin version="${HELM_DIFF_VERSION#v}"
	dir="$(tool_dir helm-diff "${HELM_DIFF_VERSION}")"
	plugin="${dir}/diff"
	if [[ ! -x "${plugin}/bin/diff" || ! -f "${plugin}/plugin.yaml" ]] && command -v flock >/dev/null 2>&1; then
		# One build at a time per cache (two CI jobs on one machine): the
		# second waits, then finds the plugin.
		mkdir -p "${dir}"
		local lock_fd
		exec {lock_fd}>"${dir}/.build.lock"
		flock "${lock_fd}"
	fi
	if [[ ! -x "${plugin}/bin/diff" || ! -f "${plugin}/plugin.yaml" ]]; then
		local archive="${HELM_SECRETS_SCRIPTS_DIR}/thirdparty/helm-diff-${version}.tar.gz" tmp t0 sum
		t0="$(now_ms)"
		log "building helm-diff ${HELM_DIFF_VERSION} -> ${plugin}"
		[[ -f "${archive}" ]] || die "missing ${archive}"
		sum="$(sha256sum "${archive}" | cut -d' ' -f1)"
		[[ "${sum}" == "${HELM_DIFF_SHA256}" ]] ||
			die "${archive}: sha256 ${sum}, expected ${HELM_DIFF_SHA256}"
		mkdir -p "${dir}"
		tmp="$(mktemp -d "${dir}/.install.XXXXXX")"
		mkdir -p "${tmp}/archive" "${tmp}/diff/bin"
		tar -xzf "${archive}" -C "${tmp}/archive"
		if ! build_tool_source "${tmp}/archive" "${tmp}" "${tmp}/diff/bin/diff" \
			-ldflags "-s -w -X github.com/databus23/helm-diff/v3/cmd.Version=${version}" .; then
			rm -rf "${tmp}"
			die "go build helm-diff ${HELM_DIFF_VERSION} failed"
		fi
		# The manifest without its hooks (the last top-level key).
		awk '/^platformHooks:/ { skip = 1; next } /^[^ #]/ { skip = 0 } !skip' \
			"${tmp}/archive/plugin.yaml" >"${tmp}/diff/plugin.yaml"
		cp "${tmp}/archive/LICENSE" "${tmp}/diff/LICENSE"
		local problem=""
		if ! grep -qx 'name: diff' "${tmp}/diff/plugin.yaml"; then
			problem="its plugin.yaml does not name the plugin diff"
		elif ! grep -qx "version: \"${version}\"" "${tmp}/diff/plugin.yaml"; then
			problem="its plugin.yaml is not version ${version}"
		elif grep -qi 'hook' "${tmp}/diff/plugin.yaml"; then
			problem="its plugin.yaml still has hooks"
		elif [[ "$("${tmp}/diff/bin/diff" version 2>&1)" != "${version}" ]]; then
			problem="the binary does not report version ${version}"
		fi
		if [[ -n "${problem}" ]]; then
			rm -rf "${tmp}"
			die "helm-diff ${HELM_DIFF_VERSION}: ${problem}"
		fi
		rm -rf "${plugin}"
		mv "${tmp}/diff" "${plugin}"
		rm -rf "${tmp}"
		log "built helm-diff ${HELM_DIFF_VERSION} in $(($(now_ms) - t0)) ms"
	fi
	out[HELM_DIFF_PLUGIN_DIR]="${plugin}"
}

start="$(now_ms)"

# helm v3, helm v4 and sops: their commands from this module's build list
# (this module requires all three at the pinned versions; go.mod and the
# pins above must agree). The suite compiles nearly all of their packages
# anyway, so each costs little more than its link.
helm3="$(tool_dir helm "${HELM3_VERSION}")/helm"
if [[ -x "${helm3}" ]]; then
	out[HELM3_BIN]="${helm3}"
else
	build_tool HELM3_BIN helm helm.sh/helm/v3 "${HELM3_VERSION}" helm.sh/helm/v3/cmd/helm \
		"Version:\"${HELM3_VERSION}\"" "version" -ldflags "$(helm_ldflags v3 "${HELM3_VERSION}")"
fi
helm4="$(tool_dir helm "${HELM4_VERSION}")/helm"
if [[ -x "${helm4}" ]]; then
	out[HELM4_BIN]="${helm4}"
else
	build_tool HELM4_BIN helm helm.sh/helm/v4 "${HELM4_VERSION}" helm.sh/helm/v4/cmd/helm \
		"Version:\"${HELM4_VERSION}\"" "version" -ldflags "$(helm_ldflags v4 "${HELM4_VERSION}")"
fi
build_tool SOPS_BIN sops github.com/getsops/sops/v3 "${SOPS_VERSION}" github.com/getsops/sops/v3/cmd/sops \
	"sops ${SOPS_VERSION#v}" "--version --disable-version-check"
install_tool AGE_BIN age "filippo.io/age/cmd/age@${AGE_VERSION}" \
	"${AGE_VERSION}" "--version"
install_tool AGE_KEYGEN_BIN age-keygen "filippo.io/age/cmd/age-keygen@${AGE_VERSION}" \
	"${AGE_VERSION}" "--version"
install_tool STATICCHECK_BIN staticcheck "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" \
	"(${STATICCHECK_VERSION#v})" "-version"
install_helmfile
install_helm_diff

ensure_apt gpg gnupg
ensure_apt gpg-agent gnupg
ensure_apt pre-commit pre-commit
out[GPG_BIN]="$(command -v gpg)"
out[GPG_AGENT_BIN]="$(command -v gpg-agent)"
out[PRE_COMMIT_BIN]="$(command -v pre-commit)"
out[HELM_SECRETS_CACHE]="${HELM_SECRETS_CACHE}"
out[HELM_SECRETS_TEST_PATH]="$(dirname "${out[SOPS_BIN]}"):$(dirname "${out[AGE_BIN]}"):$(dirname "${out[AGE_KEYGEN_BIN]}")"

for var in HELM_SECRETS_CACHE HELM3_BIN HELM4_BIN SOPS_BIN AGE_BIN AGE_KEYGEN_BIN \
	STATICCHECK_BIN GPG_BIN GPG_AGENT_BIN PRE_COMMIT_BIN HELMFILE_BIN HELM_DIFF_PLUGIN_DIR \
	HELM_SECRETS_TEST_PATH; do
	printf 'export %s=%q\n' "${var}" "${out[${var}]}"
done
# shellcheck disable=SC2016 # ${PATH} is expanded by the caller's eval.
printf 'export PATH=%q:"${PATH}"\n' "${out[HELM_SECRETS_TEST_PATH]}"

# The OCI registry and oras of the oci:// plugin install test
# (scripts/registry.sh; exports REGISTRY_BIN and ORAS_BIN).
"$(dirname "${BASH_SOURCE[0]}")/registry.sh" build

log "test dependencies ready in $(($(now_ms) - start)) ms (cache: ${HELM_SECRETS_CACHE})"
