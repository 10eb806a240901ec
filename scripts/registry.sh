#!/usr/bin/env bash
# A real OCI registry on 127.0.0.1 (the CNCF distribution registry, built from
# Go modules) and the push step for the Helm 4 plugin packages, so that
# `helm plugin install oci://...` is tested against a real server.
#
#   scripts/registry.sh build             build registry and oras into $HELM_SECRETS_CACHE/tools
#                                         (skipped when present); prints REGISTRY_BIN/ORAS_BIN exports
#   scripts/registry.sh start DIR         start a registry with its storage in DIR on a free port;
#                                         prints `export HELM_SECRETS_OCI_REGISTRY=127.0.0.1:PORT`
#   scripts/registry.sh stop DIR          stop the registry of DIR (by its PID, after checking it)
#   scripts/registry.sh push RELEASE_DIR HOST[:PORT]/REPO [--plain-http]
#                                         push secrets-V.tgz, secrets-getter-V.tgz and
#                                         secrets-post-renderer-V.tgz (with their .prov) of a
#                                         scripts/release.sh output as HOST/REPO/NAME:V, the
#                                         artifact layout Helm 4's plugin installer reads
#
# Honours HELM_SECRETS_CACHE.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_VERSION=v3.0.0
ORAS_VERSION=v1.3.0
# Helm 4 (pkg/registry/plugin.go) wants this artifact type and layers titled
# NAME-VERSION.tgz and NAME-VERSION.tgz.prov.
PLUGIN_ARTIFACT_TYPE=application/vnd.helm.plugin.v1+json

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

cmd_build() {
	local registry oras
	# From its source with this module's dependency versions where newer
	# (build_module_tool in lib.sh): it shares most of them.
	registry="$(build_module_tool registry "github.com/distribution/distribution/v3@${REGISTRY_VERSION}" cmd/registry -ldflags "-s -w")"
	oras="$(go_install_pinned oras "oras.land/oras/cmd/oras@${ORAS_VERSION}")"
	printf 'export REGISTRY_BIN=%q\nexport ORAS_BIN=%q\n' "${registry}" "${oras}"
}

cmd_start() {
	local dir="$1" registry port
	mkdir -p "${dir}/storage"
	dir="$(cd "${dir}" && pwd)"
	registry="${REGISTRY_BIN:-$(tool_dir registry "${REGISTRY_VERSION}")/registry}"
	[[ -x "${registry}" ]] || registry="$(build_module_tool registry "github.com/distribution/distribution/v3@${REGISTRY_VERSION}" cmd/registry -ldflags "-s -w")"
	port="$(free_ports 1)"
	cat >"${dir}/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${dir}/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
EOF
	"${registry}" serve "${dir}/config.yml" >"${dir}/registry.log" 2>&1 &
	echo $! >"${dir}/pid"
	local i
	for i in $(seq 1 100); do
		if curl -fsS "http://127.0.0.1:${port}/v2/" >/dev/null 2>&1; then
			printf '127.0.0.1:%s\n' "${port}" >"${dir}/address"
			log "registry ready on 127.0.0.1:${port} (storage ${dir}/storage)"
			printf 'export HELM_SECRETS_OCI_REGISTRY=127.0.0.1:%s\n' "${port}"
			return 0
		fi
		kill -0 "$(cat "${dir}/pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "${dir}/registry.log" >&2
	cmd_stop "${dir}"
	die "the registry did not start"
}

cmd_stop() {
	local dir="$1" pid
	[[ -f "${dir}/pid" ]] || return 0
	pid="$(cat "${dir}/pid")"
	# Only our registry: its command line names this folder's config.
	if tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF "${dir}/config.yml"; then
		kill "${pid}" 2>/dev/null || true
		local i
		for i in $(seq 1 50); do
			kill -0 "${pid}" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "${dir}/pid"
}

cmd_push() {
	local rel="$1" target="$2" plain=()
	[[ "${3:-}" == --plain-http ]] && plain=(--plain-http)
	local oras="${ORAS_BIN:-$(tool_dir oras "${ORAS_VERSION}")/oras}"
	[[ -x "${oras}" ]] || oras="$(go_install_pinned oras "oras.land/oras/cmd/oras@${ORAS_VERSION}")"
	local version pkg name files
	version="$(tr -d '[:space:]' <"${HELM_SECRETS_SCRIPTS_DIR}/../internal/foundation/version/VERSION")"
	for name in secrets secrets-getter secrets-post-renderer; do
		pkg="${name}-${version}.tgz"
		[[ -f "${rel}/${pkg}" ]] || die "${rel}/${pkg} is missing (run scripts/release.sh ${version} ${rel})"
		# Helm 4 pulls only layers of these two OCI media types (it tells
		# the package from its .prov by the title annotation).
		files=("${pkg}:application/vnd.oci.image.layer.v1.tar+gzip")
		[[ -f "${rel}/${pkg}.prov" ]] && files+=("${pkg}.prov:application/vnd.oci.image.layer.v1.tar")
		log "pushing ${pkg} to ${target}/${name}:${version}"
		(cd "${rel}" && "${oras}" push "${plain[@]}" --no-tty --artifact-type "${PLUGIN_ARTIFACT_TYPE}" \
			"${target}/${name}:${version}" "${files[@]}" >&2)
	done
}

case "${1:-}" in
build) cmd_build ;;
start) [[ $# -eq 2 ]] || usage; cmd_start "$2" ;;
stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
push) [[ $# -ge 3 ]] || usage; cmd_push "$2" "$3" "${4:-}" ;;
*) usage ;;
esac
