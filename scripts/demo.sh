#!/usr/bin/env bash
# Installs the helm-secrets plugin from this checkout and runs it end to end:
# generates an age key, encrypts a values file with `helm secrets encrypt`
# (in process: no sops binary), renders a chart with `helm secrets template`
# and installs it with `helm secrets upgrade --install` into a Kubernetes
# cluster: the one in KUBECONFIG if reachable, else (with --local-cluster) a
# local API server started by scripts/cluster.sh; with neither, it stops
# after the render.
#
#   scripts/demo.sh                  install the plugin, encrypt, render (and install if a cluster is reachable)
#   scripts/demo.sh --local-cluster  also build (first time ~15 min) and start a local API server to install into
#   scripts/demo.sh --help           print this help
#
# It builds only what the demo needs: helm-secrets, helm-secrets-wrapper,
# helm-secrets-getter and age-keygen from this checkout's Go modules (about
# 1-3 min the first time, seconds once Go's build cache is warm), and one helm
# only when there is no helm on PATH (helm 4, about 3-5 min the first time,
# cached in $HELM_SECRETS_CACHE/tools). Requires Go 1.26.
#
# The plugin is installed into the helm it uses: Helm 3 gets the plugin of
# the checkout's root; Helm 4 the three plugins under plugins/ (secrets,
# secrets-getter, secrets-post-renderer). Those replace an installed
# helm-secrets of the same names, and stay installed afterwards.
#
# Honours: HELM_SECRETS_CACHE (default ~/.cache/helm-secrets), HELM_BIN (the
# helm to use instead of the one on PATH).
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

local_cluster=false
for arg in "$@"; do
	case "${arg}" in
	-h | --help | help)
		usage
		exit 0
		;;
	--local-cluster) local_cluster=true ;;
	*)
		printf 'scripts/demo.sh: unknown argument %q\n\n' "${arg}" >&2
		usage >&2
		exit 2
		;;
	esac
done

cd "$(dirname "$0")/.."
repo="$(pwd)"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:${PATH}"
fi
command -v go >/dev/null 2>&1 || die "the demo needs Go 1.26 (https://go.dev/dl/) to build helm-secrets"

# step MESSAGE: a numbered step heading on stderr.
step_no=0
step() {
	step_no=$((step_no + 1))
	printf '\n\033[1m== %d. %s\033[0m\n' "${step_no}" "$*" >&2
}
run() {
	printf '$ %s\n' "$*" >&2
	"$@"
}

# The one helm: HELM_BIN, else helm on PATH, else helm 4 built once into
# the cache (the version scripts/test-deps.sh pins).
helm_bin="${HELM_BIN:-$(command -v helm || true)}"
if [[ -z "${helm_bin}" ]]; then
	helm4_version="$(sed -n 's/^HELM4_VERSION=//p' scripts/test-deps.sh)"
	[[ -n "${helm4_version}" ]] || die "cannot read HELM4_VERSION from scripts/test-deps.sh"
	helm_bin="$(tool_dir helm "${helm4_version}")/helm"
	if [[ ! -x "${helm_bin}" ]]; then
		step "No helm on PATH: building helm ${helm4_version} into ${helm_bin%/helm} (first time: about 3-5 min)"
	fi
	# From this module's build list, with the test suite's settings: the
	# build of helm-secrets below (same settings) reuses most of its
	# packages, and scripts/test.sh reuses the binary.
	helm_bin="$(build_in_module helm helm.sh/helm/v4 "${helm4_version}" helm.sh/helm/v4/cmd/helm \
		-ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=${helm4_version}")"
fi
[[ -x "${helm_bin}" ]] || die "${helm_bin} is not an executable helm"
helm() { "${helm_bin}" "$@"; }
major="$(helm version --template '{{.Version}}' 2>/dev/null | cut -c1-2)"
case "${major}" in
v3 | v4) ;;
*) die "${helm_bin}: not helm 3 or 4 (version: ${major:-unknown})" ;;
esac

build_dir="${HELM_SECRETS_CACHE}/demo/bin"
step "Building helm-secrets, helm-secrets-wrapper, helm-secrets-getter and age-keygen into ${build_dir} (first time: about 1-3 min; then seconds)"
mkdir -p "${build_dir}"
t0="$(now_ms)"
export CGO_ENABLED="${HELM_SECRETS_TEST_CGO_ENABLED}" GOFLAGS="${GOFLAGS:-} ${HELM_SECRETS_TEST_GOFLAGS}"
for cmd in helm-secrets helm-secrets-wrapper helm-secrets-getter; do
	run go build -o "${build_dir}/${cmd}" "./cmd/${cmd}"
done
# age-keygen from the age module this checkout pins (no download).
run go build -o "${build_dir}/age-keygen" filippo.io/age/cmd/age-keygen
printf 'built in %d s\n' "$((($(now_ms) - t0) / 1000))" >&2

step "Installing the plugin into ${helm_bin} ($(helm version --short))"
plugins=(secrets)
[[ "${major}" == v4 ]] && plugins=(secrets secrets-getter secrets-post-renderer)
for p in "${plugins[@]}"; do
	if helm plugin list 2>/dev/null | grep -q "^${p}[[:space:]]"; then
		run "${helm_bin}" plugin uninstall "${p}" >/dev/null
	fi
done
# Helm 3: the root plugin (helm secrets and secrets://); Helm 4: the cli/v1,
# getter/v1 and postrenderer/v1 plugins under plugins/ (docs/install.md).
# The install hook copies the binaries just built (HELM_SECRETS_BINARY).
export HELM_SECRETS_BINARY="${build_dir}/helm-secrets"
if [[ "${major}" == v4 ]]; then
	for p in helm-secrets-cli helm-secrets-getter helm-secrets-post-renderer; do
		run "${helm_bin}" plugin install "${repo}/plugins/${p}" --verify=false
	done
else
	run "${helm_bin}" plugin install "${repo}"
fi
unset HELM_SECRETS_BINARY

work="$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-demo.XXXXXX")"
cluster_dir=""
cleanup() {
	local rc=$?
	if [[ -n "${cluster_dir}" ]]; then
		# Absolute path: the demo changed directory. Errors are shown.
		if ! "${repo}/scripts/cluster.sh" stop "${cluster_dir}" >&2; then
			printf 'scripts/demo.sh: could not stop the local cluster in %s: stop its etcd and kube-apiserver by hand\n' "${cluster_dir}" >&2
			rc=1
		else
			rm -rf "${cluster_dir}"
		fi
	fi
	rm -rf "${work}"
	exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "${work}"

step "Generating an age key and a .sops.yaml creation rule"
"${build_dir}/age-keygen" -o key.txt 2>/dev/null
recipient="$("${build_dir}/age-keygen" -y key.txt)"
export SOPS_AGE_KEY_FILE="${work}/key.txt"
printf 'creation_rules:\n  - age: %s\n' "${recipient}" >.sops.yaml
cat .sops.yaml

step "Encrypting a values file in place"
printf 'password: demo-s3cret\ntoken: demo-token\n' >secrets.yaml
run helm secrets encrypt -i secrets.yaml
head -3 secrets.yaml
echo "..."

step "Rendering the chart with the decrypted values (nothing decrypted is written to disk)"
run helm secrets template demo "${repo}/testdata/charts/app" -f secrets.yaml | sed -n '/kind: Secret/,/token/p'

if ! helm list >/dev/null 2>&1 && ${local_cluster}; then
	step "Building (first time: about 15 min; then seconds) and starting a local Kubernetes API server"
	"${repo}/scripts/cluster.sh" build >&2
	cluster_dir="$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-demo-cluster.XXXXXX")"
	eval "$("${repo}/scripts/cluster.sh" start "${cluster_dir}")"
fi
if helm list >/dev/null 2>&1; then
	step "Installing into the cluster (${KUBECONFIG:-default kubeconfig})"
	run helm secrets upgrade --install demo "${repo}/testdata/charts/app" -n helm-secrets-demo --create-namespace -f secrets.yaml
	run helm get values demo -n helm-secrets-demo --all | grep -E 'password|token'
	run helm uninstall demo -n helm-secrets-demo
else
	step "No reachable cluster: skipped the install (run with --local-cluster to start one)"
fi
printf '\nDone. The plugin stays installed in %s. Try:\n  %s secrets --help\n' "${helm_bin}" "${helm_bin}" >&2
if [[ "$(command -v helm || true)" != "${helm_bin}" ]]; then
	printf 'or put that helm on PATH first:\n  export PATH="%s:$PATH"\n' "$(dirname "${helm_bin}")" >&2
fi
