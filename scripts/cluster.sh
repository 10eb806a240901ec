#!/usr/bin/env bash
# A real, local Kubernetes API server (etcd + kube-apiserver as plain processes
# on 127.0.0.1) for the end-to-end tests. No controller-manager, scheduler or
# kubelet: use charts with Secrets and ConfigMaps.
#
#   scripts/cluster.sh build         build etcd and kube-apiserver into
#                                    $HELM_SECRETS_CACHE/cluster/<versions>/ (skipped when present)
#   scripts/cluster.sh start DIR     start a cluster with its state in DIR, or reuse the healthy
#                                    one already running there; writes DIR/kubeconfig and DIR/env
#                                    and prints DIR/env (for eval) on stdout
#   scripts/cluster.sh status DIR    exit 0 when the cluster in DIR is running and ready
#   scripts/cluster.sh stop DIR      stop the cluster in DIR (by PID, after checking that each PID
#                                    still is this cluster's etcd/kube-apiserver); keeps DIR's files
#   scripts/cluster.sh paths         print the binaries' paths (as shell variables)
#
# The versions come from the scratch modules' go.mod files, scripts/cluster/apiserver/go.mod
# (k8s.io/kubernetes, regenerate it with scripts/cluster/apiserver/generate.sh VERSION) and
# scripts/cluster/etcd/go.mod (go.etcd.io/etcd/server/v3).
#
# Honours: HELM_SECRETS_CACHE, CLUSTER_START_TIMEOUT (seconds to wait for /readyz, default 90).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APISERVER_MODULE="${HELM_SECRETS_SCRIPTS_DIR}/cluster/apiserver"
ETCD_MODULE="${HELM_SECRETS_SCRIPTS_DIR}/cluster/etcd"
SERVICE_CIDR=10.96.0.0/24
SERVICE_IP=10.96.0.1
SA_ISSUER=https://kubernetes.default.svc.cluster.local

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

# module_version GOMOD MODULE — the required version of MODULE in GOMOD.
module_version() {
	awk -v m="$2" '
		$1 == "require" && $2 == m { print $3; exit }
		$1 == m && $2 ~ /^v/ { print $2; exit }
	' "$1"
}

KUBE_VERSION="$(module_version "${APISERVER_MODULE}/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(module_version "${ETCD_MODULE}/go.mod" go.etcd.io/etcd/server/v3)"
[[ -n "${KUBE_VERSION}" && -n "${ETCD_VERSION}" ]] ||
	die "cannot read the k8s.io/kubernetes / etcd versions from the scratch modules' go.mod"
BUILD_DIR="${HELM_SECRETS_CACHE}/cluster/kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}"
APISERVER_BIN="${BUILD_DIR}/kube-apiserver"
ETCD_BIN="${BUILD_DIR}/etcd"

# go_build_into MODULE_DIR OUTPUT PACKAGE LDFLAGS — builds atomically (temp file + rename).
go_build_into() {
	local module_dir="$1" out="$2" pkg="$3" ldflags="$4" tmp
	tmp="$(mktemp "${out}.tmp.XXXXXX")"
	if ! (cd "${module_dir}" && GOWORK=off go build -buildvcs=false -ldflags "${ldflags}" -o "${tmp}" "${pkg}"); then
		rm -f "${tmp}"
		die "go build ${pkg} failed"
	fi
	mv -f "${tmp}" "${out}"
}

cmd_build() {
	if [[ -x "${APISERVER_BIN}" && -x "${ETCD_BIN}" ]]; then
		log "kube-apiserver ${KUBE_VERSION} and etcd ${ETCD_VERSION} already built in ${BUILD_DIR}"
		return 0
	fi
	command -v go >/dev/null 2>&1 || die "go is not on PATH"
	mkdir -p "${BUILD_DIR}"
	# One build at a time per cache (e.g. two CI jobs on one machine): the
	# second waits, then finds the binaries.
	local lock_fd
	exec {lock_fd}>"${BUILD_DIR}/.build.lock"
	flock "${lock_fd}"

	local start
	if [[ ! -x "${ETCD_BIN}" ]]; then
		start="$(now_ms)"
		log "building etcd ${ETCD_VERSION}"
		go_build_into "${ETCD_MODULE}" "${ETCD_BIN}" . "-s -w"
		log "built etcd in $(($(now_ms) - start)) ms"
	fi
	if [[ ! -x "${APISERVER_BIN}" ]]; then
		start="$(now_ms)"
		log "building kube-apiserver ${KUBE_VERSION} (cold: 7-15 min on 2 cores; warm: ~15 s)"
		local v=k8s.io/component-base/version minor="${KUBE_VERSION#v1.}"
		minor="${minor%%.*}"
		go_build_into "${APISERVER_MODULE}" "${APISERVER_BIN}" k8s.io/kubernetes/cmd/kube-apiserver \
			"-s -w -X ${v}.gitVersion=${KUBE_VERSION} -X ${v}.gitMajor=1 -X ${v}.gitMinor=${minor} -X ${v}.gitTreeState=clean"
		log "built kube-apiserver in $(($(now_ms) - start)) ms"
	fi
	exec {lock_fd}>&-

	local out
	out="$("${APISERVER_BIN}" --version)"
	[[ "${out}" == "Kubernetes ${KUBE_VERSION}" ]] || die "kube-apiserver --version printed '${out}'"
	out="$("${ETCD_BIN}" --version)"
	[[ "${out}" == *"etcd Version: ${ETCD_VERSION#v}"* ]] || die "etcd --version printed '${out}'"
	log "binaries in ${BUILD_DIR}"
}

# --- process helpers -----------------------------------------------------------

# is_our_process PID NAME MARKER — true when PID is alive, runs a binary named
# NAME, and has MARKER (a flag naming this cluster's DIR) in its command line.
is_our_process() {
	local pid="$1" name="$2" marker="$3" exe
	[[ "${pid}" =~ ^[0-9]+$ ]] || return 1
	exe="$(readlink "/proc/${pid}/exe" 2>/dev/null)" || return 1
	exe="${exe% (deleted)}"
	[[ "${exe##*/}" == "${name}" ]] || return 1
	tr '\0' '\n' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qxF -- "${marker}"
}

read_pid() {
	if [[ -f "$1" ]]; then
		head -n1 "$1"
	fi
}

# stop_process PIDFILE NAME MARKER — TERM, wait up to 15 s, then KILL.
stop_process() {
	local pidfile="$1" name="$2" marker="$3" pid i
	pid="$(read_pid "${pidfile}")"
	if [[ -z "${pid}" ]]; then
		return 0
	fi
	if ! is_our_process "${pid}" "${name}" "${marker}"; then
		log "${name}: PID ${pid} from ${pidfile} is not this cluster's ${name} (any more); not signalling it"
		rm -f "${pidfile}"
		return 0
	fi
	log "stopping ${name} (PID ${pid})"
	kill -TERM "${pid}" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		is_our_process "${pid}" "${name}" "${marker}" || break
		sleep 0.1
	done
	if is_our_process "${pid}" "${name}" "${marker}"; then
		log "${name} (PID ${pid}) did not exit after SIGTERM; sending SIGKILL"
		kill -KILL "${pid}" 2>/dev/null || true
		sleep 0.2
	fi
	rm -f "${pidfile}"
}

# --- cluster state ------------------------------------------------------------------

# set_paths DIR — the files of the cluster in DIR.
set_paths() {
	mkdir -p "$1"
	DIR="$(cd "$1" && pwd -P)"
	PKI="${DIR}/pki"
	ETCD_DATA="${DIR}/etcd-data"
	ETCD_PIDFILE="${DIR}/etcd.pid"
	APISERVER_PIDFILE="${DIR}/kube-apiserver.pid"
	ETCD_MARKER="--data-dir=${ETCD_DATA}"
	APISERVER_MARKER="--cert-dir=${PKI}"
	TOKEN_FILE="${DIR}/token"
}

# cluster_ready — true when both processes are ours and /readyz answers ok.
cluster_ready() {
	is_our_process "$(read_pid "${ETCD_PIDFILE}")" etcd "${ETCD_MARKER}" || return 1
	is_our_process "$(read_pid "${APISERVER_PIDFILE}")" kube-apiserver "${APISERVER_MARKER}" || return 1
	[[ -f "${DIR}/ports" && -f "${TOKEN_FILE}" ]] || return 1
	local port
	port="$(awk '$1 == "apiserver" { print $2 }' "${DIR}/ports")"
	readyz "${port}"
}

readyz() {
	[[ -n "$1" ]] || return 1
	local out
	out="$(curl -sS --max-time 5 --cacert "${PKI}/apiserver.crt" \
		-H "Authorization: Bearer $(<"${TOKEN_FILE}")" \
		"https://127.0.0.1:$1/readyz" 2>/dev/null)" || return 1
	[[ "${out}" == ok ]]
}

# make_pki — CA, serving certificate (written where --cert-dir expects it:
# apiserver.crt = serving cert + CA, apiserver.key), service account key, and
# the token auth file. Kept across restarts of the same DIR.
make_pki() {
	mkdir -p "${PKI}"
	chmod 700 "${PKI}"
	if [[ ! -s "${PKI}/apiserver.crt" || ! -s "${PKI}/apiserver.key" ]]; then
		log "creating certificates in ${PKI}"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
			-keyout "${PKI}/ca.key" -out "${PKI}/ca.crt" -days 3650 \
			-subj "/CN=helm-secrets-test-ca" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "${PKI}/apiserver.key.new" -out "${PKI}/apiserver.csr" \
			-subj "/CN=kube-apiserver" 2>/dev/null
		printf '%s\n' \
			"basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:${SERVICE_IP}" \
			>"${PKI}/apiserver.ext"
		openssl x509 -req -sha256 -days 3650 -in "${PKI}/apiserver.csr" \
			-CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
			-extfile "${PKI}/apiserver.ext" -out "${PKI}/apiserver.leaf.crt" 2>/dev/null
		cat "${PKI}/apiserver.leaf.crt" "${PKI}/ca.crt" >"${PKI}/apiserver.crt.new"
		rm -f "${PKI}/apiserver.csr" "${PKI}/apiserver.ext" "${PKI}/apiserver.leaf.crt"
		mv -f "${PKI}/apiserver.key.new" "${PKI}/apiserver.key"
		mv -f "${PKI}/apiserver.crt.new" "${PKI}/apiserver.crt"
	fi
	if [[ ! -s "${PKI}/sa.key" ]]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${PKI}/sa.key.new" 2>/dev/null
		mv -f "${PKI}/sa.key.new" "${PKI}/sa.key"
	fi
	if [[ ! -s "${TOKEN_FILE}" ]]; then
		(umask 077 && openssl rand -hex 32 >"${TOKEN_FILE}")
	fi
	# token,user,uid,"groups"
	(umask 077 && printf '%s,admin,admin,"system:masters"\n' "$(<"${TOKEN_FILE}")" >"${DIR}/tokens.csv")
}

write_client_files() {
	local port="$1" ca_data
	ca_data="$(base64 -w0 <"${PKI}/apiserver.crt")"
	(
		umask 077
		cat >"${DIR}/kubeconfig.new" <<-EOF
			apiVersion: v1
			kind: Config
			clusters:
			- name: helm-secrets-test
			  cluster:
			    server: https://127.0.0.1:${port}
			    certificate-authority-data: ${ca_data}
			users:
			- name: admin
			  user:
			    token: $(<"${TOKEN_FILE}")
			contexts:
			- name: helm-secrets-test
			  context:
			    cluster: helm-secrets-test
			    user: admin
			    namespace: default
			current-context: helm-secrets-test
		EOF
	)
	mv -f "${DIR}/kubeconfig.new" "${DIR}/kubeconfig"
	{
		printf 'export KUBECONFIG=%q\n' "${DIR}/kubeconfig"
		printf 'export HELM_SECRETS_KUBE_SERVER=%q\n' "https://127.0.0.1:${port}"
		printf 'export HELM_SECRETS_KUBE_CA=%q\n' "${PKI}/apiserver.crt"
		printf 'export HELM_SECRETS_KUBE_TOKEN_FILE=%q\n' "${TOKEN_FILE}"
	} >"${DIR}/env.new"
	mv -f "${DIR}/env.new" "${DIR}/env"
}

# launch PIDFILE LOG BIN ARGS... — start a daemon in its own session.
launch() {
	local pidfile="$1" logfile="$2"
	shift 2
	# Not a process group leader (no job control here), so setsid execs in place
	# and $! is the daemon's PID. The daemon must not inherit the lock on DIR.
	setsid "$@" </dev/null >>"${logfile}" 2>&1 {DIR_LOCK_FD}>&- &
	printf '%s\n' "$!" >"${pidfile}"
}

# fail_start MESSAGE — print the logs' tails, stop what was started, exit 1.
fail_start() {
	local f
	for f in "${DIR}/etcd.log" "${DIR}/kube-apiserver.log"; do
		if [[ -f "${f}" ]]; then
			printf -- '--- last lines of %s ---\n' "${f}" >&2
			tail -n 15 "${f}" >&2
		fi
	done
	stop_process "${APISERVER_PIDFILE}" kube-apiserver "${APISERVER_MARKER}"
	stop_process "${ETCD_PIDFILE}" etcd "${ETCD_MARKER}"
	die "$*"
}

cmd_start() {
	[[ $# == 1 ]] || usage
	set_paths "$1"
	exec {DIR_LOCK_FD}>"${DIR}/.lock"
	flock "${DIR_LOCK_FD}"

	if cluster_ready; then
		log "reusing the running cluster in ${DIR}"
		cat "${DIR}/env"
		return 0
	fi
	local start
	start="$(now_ms)"
	# Whatever is left of an earlier, unhealthy cluster in DIR goes first.
	stop_process "${APISERVER_PIDFILE}" kube-apiserver "${APISERVER_MARKER}"
	stop_process "${ETCD_PIDFILE}" etcd "${ETCD_MARKER}"

	ensure_apt openssl openssl
	ensure_apt curl curl
	cmd_build
	make_pki

	# Reuse the previous ports when they are free (etcd keeps its peer URL in its
	# data dir), else take new ones.
	local etcd_port="" peer_port="" api_port="" p
	if [[ -f "${DIR}/ports" ]]; then
		etcd_port="$(awk '$1 == "etcd" { print $2 }' "${DIR}/ports")"
		peer_port="$(awk '$1 == "etcd-peer" { print $2 }' "${DIR}/ports")"
		api_port="$(awk '$1 == "apiserver" { print $2 }' "${DIR}/ports")"
		for p in "${etcd_port}" "${peer_port}" "${api_port}"; do
			if [[ -z "${p}" ]] || ! port_free "${p}"; then
				etcd_port=""
				break
			fi
		done
	fi
	if [[ -z "${etcd_port}" ]]; then
		{ read -r etcd_port && read -r peer_port && read -r api_port; } < <(free_ports 3)
	fi
	printf 'etcd %s\netcd-peer %s\napiserver %s\n' "${etcd_port}" "${peer_port}" "${api_port}" >"${DIR}/ports"

	log "starting etcd on 127.0.0.1:${etcd_port}"
	launch "${ETCD_PIDFILE}" "${DIR}/etcd.log" "${ETCD_BIN}" \
		--name=helm-secrets \
		"${ETCD_MARKER}" \
		--listen-client-urls="http://127.0.0.1:${etcd_port}" \
		--advertise-client-urls="http://127.0.0.1:${etcd_port}" \
		--listen-peer-urls="http://127.0.0.1:${peer_port}" \
		--initial-advertise-peer-urls="http://127.0.0.1:${peer_port}" \
		--initial-cluster="helm-secrets=http://127.0.0.1:${peer_port}" \
		--unsafe-no-fsync \
		--log-level=warn

	log "starting kube-apiserver ${KUBE_VERSION} on https://127.0.0.1:${api_port}"
	launch "${APISERVER_PIDFILE}" "${DIR}/kube-apiserver.log" "${APISERVER_BIN}" \
		--etcd-servers="http://127.0.0.1:${etcd_port}" \
		--bind-address=127.0.0.1 \
		--advertise-address=127.0.0.1 \
		--secure-port="${api_port}" \
		"${APISERVER_MARKER}" \
		--tls-cert-file="${PKI}/apiserver.crt" \
		--tls-private-key-file="${PKI}/apiserver.key" \
		--service-cluster-ip-range="${SERVICE_CIDR}" \
		--service-account-issuer="${SA_ISSUER}" \
		--service-account-key-file="${PKI}/sa.key" \
		--service-account-signing-key-file="${PKI}/sa.key" \
		--token-auth-file="${DIR}/tokens.csv" \
		--authorization-mode=RBAC \
		--profiling=false

	local timeout="${CLUSTER_START_TIMEOUT:-90}" deadline
	deadline=$(($(now_ms) + timeout * 1000))
	while ! readyz "${api_port}"; do
		is_our_process "$(read_pid "${ETCD_PIDFILE}")" etcd "${ETCD_MARKER}" ||
			fail_start "etcd exited during start (log: ${DIR}/etcd.log)"
		is_our_process "$(read_pid "${APISERVER_PIDFILE}")" kube-apiserver "${APISERVER_MARKER}" ||
			fail_start "kube-apiserver exited during start (log: ${DIR}/kube-apiserver.log)"
		(($(now_ms) < deadline)) || fail_start "kube-apiserver not ready after ${timeout} s"
		sleep 0.2
	done
	write_client_files "${api_port}"
	log "cluster ready in $(($(now_ms) - start)) ms: KUBECONFIG=${DIR}/kubeconfig"
	cat "${DIR}/env"
}

cmd_status() {
	[[ $# == 1 ]] || usage
	[[ -d "$1" ]] || die "no such folder: $1"
	set_paths "$1"
	if cluster_ready; then
		log "cluster in ${DIR} is running and ready"
		return 0
	fi
	log "cluster in ${DIR} is not running (or not ready)"
	return 1
}

cmd_stop() {
	[[ $# == 1 ]] || usage
	if [[ ! -d "$1" ]]; then
		log "no such folder: $1 (nothing to stop)"
		return 0
	fi
	set_paths "$1"
	exec {DIR_LOCK_FD}>"${DIR}/.lock"
	flock "${DIR_LOCK_FD}"
	stop_process "${APISERVER_PIDFILE}" kube-apiserver "${APISERVER_MARKER}"
	stop_process "${ETCD_PIDFILE}" etcd "${ETCD_MARKER}"
	log "stopped the cluster in ${DIR} (its files are kept)"
}

case "${1:-}" in
build) cmd_build ;;
start | stop | status)
	cmd="$1"
	shift
	"cmd_${cmd}" "$@"
	;;
paths)
	printf 'KUBE_VERSION=%q\nETCD_VERSION=%q\nKUBE_APISERVER_BIN=%q\nETCD_BIN=%q\n' \
		"${KUBE_VERSION}" "${ETCD_VERSION}" "${APISERVER_BIN}" "${ETCD_BIN}"
	;;
*) usage ;;
esac
