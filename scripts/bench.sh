#!/usr/bin/env bash
# Side-by-side performance of helm-secrets, measured in one run on one
# machine with hyperfine, reported as ratios (docs/performance.md):
#   (a) plain `helm template` with N plaintext values files: the floor
#   (b) `helm secrets template` with the same N files age-encrypted
#   (c) the shell plugin's pipeline: one `sops -d` process per file, then helm template
#   (d) plain `helm template -f secrets://FILE ...` through our getter plugin
#   (e) the same through a getter plugin whose command is `sh` running `sops -d`
# for each helm (v3, v4) and N; plus one getter call (lean, full, sh + sops),
# start-up of our binaries vs sops and age, decrypting a 5 MB values file
# (ours vs the sops CLI), and 50 files on a fake GCP KMS with 50 ms latency.
#
#   scripts/bench.sh                 N = 1 10 20 50, 10 runs each
#   RUNS=20 scripts/bench.sh 20      only N = 20
#   BIG=0 scripts/bench.sh           without the 5 MB file (~4 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
eval "$(scripts/test-deps.sh)"
RUNS=${RUNS:-10}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1 10 20 50)

work=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -trimpath -ldflags "-s -w" -o "$work/helm-secrets" ./cmd/helm-secrets
go build -trimpath -ldflags "-s -w" -o "$work/helm-secrets-getter" ./cmd/helm-secrets-getter
# (e)'s plugin: the protocol shsecrets://, served by sh running sops -d.
mkdir -p "$work/sh-getter"
cat > "$work/sh-getter/plugin.yaml" <<'EOF'
name: "sops-sh-getter"
version: "0.1.0"
usage: "baseline getter: sh running sops -d"
description: "baseline getter: sh running sops -d"
downloaders:
  - command: "getter.sh"
    protocols: ["shsecrets"]
EOF
printf '#!/bin/sh\nexec "%s" -d "${4#shsecrets://}"\n' "$SOPS_BIN" > "$work/sh-getter/getter.sh"
chmod +x "$work/sh-getter/getter.sh"
"$AGE_KEYGEN_BIN" -o "$work/key.txt" 2>/dev/null
export SOPS_AGE_KEY_FILE="$work/key.txt"
recipient=$("$AGE_KEYGEN_BIN" -y "$work/key.txt")
mkdir -p "$work/plain" "$work/enc" "$work/dec"
max=0; for n in "${sizes[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
for i in $(seq 1 "$max"); do
    printf 'password%d: s3cret-%d\ntoken%d: tok-%d\nport: %d\n' "$i" "$i" "$i" "$i" "$i" > "$work/plain/v$i.yaml"
    "$SOPS_BIN" encrypt --age "$recipient" "$work/plain/v$i.yaml" > "$work/enc/v$i.yaml"
done
chart="$repo/testdata/charts/app"
results="$work/results.tsv"
getter_results="$work/getter.tsv"
: > "$results"; : > "$getter_results"

# mean_of JSON -> mean seconds of each command, one per line
means() { python3 -c 'import json,sys; [print(r["mean"]) for r in json.load(open(sys.argv[1]))["results"]]' "$1"; }

for hv in v3 v4; do
    helm_bin=$HELM3_BIN; [ $hv = v4 ] && helm_bin=$HELM4_BIN
    home="$work/home-$hv"
    export HELM_CONFIG_HOME="$home/config" HELM_CACHE_HOME="$home/cache" HELM_DATA_HOME="$home/data"
    verify=(); [ $hv = v4 ] && verify=(--verify=false)
    # Helm 3: the root plugin has both; Helm 4: the cli/v1 and getter/v1 plugins.
    srcs=("$repo"); [ $hv = v4 ] && srcs=("$repo/plugins/helm-secrets-cli" "$repo/plugins/helm-secrets-getter")
    for src in "${srcs[@]}"; do
        HELM_SECRETS_BINARY="$work/helm-secrets" "$helm_bin" plugin install "$src" "${verify[@]}" >/dev/null 2>&1
    done
    "$helm_bin" plugin install "$work/sh-getter" "${verify[@]}" >/dev/null 2>&1
    for n in "${sizes[@]}"; do
        pf=""; ef=""; df=""; dec=""
        for i in $(seq 1 "$n"); do
            pf="$pf -f $work/plain/v$i.yaml"; ef="$ef -f $work/enc/v$i.yaml"
            df="$df -f $work/dec/v$i.yaml"
            dec="$dec $SOPS_BIN decrypt $work/enc/v$i.yaml > $work/dec/v$i.yaml;"
        done
        json="$work/$hv-$n.json"
        hyperfine -N -w 2 -r "$RUNS" --export-json "$json" \
            -n "a: helm template" "$helm_bin template rel $chart $pf" \
            -n "b: helm secrets template" "$helm_bin secrets -q template rel $chart $ef" \
            -n "c: sops -d per file + helm template" "sh -c '$dec $helm_bin template rel $chart $df >/dev/null; rm -f $work/dec/*'" \
            >/dev/null
        mapfile -t m < <(means "$json")
        printf '%s\t%s\t%s\t%s\t%s\n' "$hv" "$n" "${m[0]}" "${m[1]}" "${m[2]}" >> "$results"
        gf=""; sf=""
        for i in $(seq 1 "$n"); do
            gf="$gf -f secrets://$work/enc/v$i.yaml"; sf="$sf -f shsecrets://$work/enc/v$i.yaml"
        done
        json="$work/getter-$hv-$n.json"
        hyperfine -N -w 2 -r "$RUNS" --export-json "$json" \
            -n "a: helm template" "$helm_bin template rel $chart $pf" \
            -n "d: helm template -f secrets://" "$helm_bin template rel $chart $gf" \
            -n "e: helm template -f shsecrets:// (sh + sops -d)" "$helm_bin template rel $chart $sf" \
            >/dev/null
        mapfile -t m < <(means "$json")
        printf '%s\t%s\t%s\t%s\t%s\n' "$hv" "$n" "${m[0]}" "${m[1]}" "${m[2]}" >> "$getter_results"
    done
done

# ratio_table TSV OURS OTHER: rows "helm N a ours other" as a table with
# (ours − a)/(other − a) and other/ours.
ratio_table() {
    echo "| helm | N | a: plain (s) | $2 (s) | $3 (s) | (${2%%:*}−a)/(${3%%:*}−a) | ${3%%:*}/${2%%:*} |"
    echo "|---|---|---|---|---|---|---|"
    python3 - "$1" <<'PY'
import sys
for line in open(sys.argv[1]):
    hv, n, a, b, c = line.split()
    a, b, c = float(a), float(b), float(c)
    print(f"| {hv} | {n} | {a:.3f} | {b:.3f} | {c:.3f} | {(b-a)/(c-a):.3f} | {c/b:.1f}× |")
PY
}

echo "## Wrapper: helm template with N values files (means of $RUNS runs)"
echo
ratio_table "$results" "b: helm secrets" "c: sops per file + helm"
echo
echo "## Getter: plain helm template with N secrets:// files (means of $RUNS runs)"
echo
ratio_table "$getter_results" "d: -f secrets://" "e: -f via sh + sops -d"

echo
echo "## One getter call, and start-up"
json="$work/startup.json"
hyperfine -N -w 3 -r $((RUNS * 3)) --export-json "$json" \
    -n "helm-secrets-getter (lean) on one file" "$work/helm-secrets-getter '' '' '' secrets://$work/enc/v1.yaml" \
    -n "helm-secrets downloader on one file" "$work/helm-secrets downloader '' '' '' secrets://$work/enc/v1.yaml" \
    -n "sh running sops -d on one file" "$work/sh-getter/getter.sh '' '' '' shsecrets://$work/enc/v1.yaml" \
    -n "helm-secrets --version" "$work/helm-secrets --version" \
    -n "sops --version" "$SOPS_BIN --version --disable-version-check" \
    -n "age --version" "$AGE_BIN --version" >/dev/null
mapfile -t m < <(means "$json")
python3 - "${m[@]}" <<'PY'
import sys
lean, full, sh, ours, sops, age = map(float, sys.argv[1:7])
print(f"| command | mean (ms) | vs sh + sops -d |\n|---|---|---|")
print(f"| helm-secrets-getter, one file (lean path) | {lean*1000:.1f} | {lean/sh:.2f} |")
print(f"| helm-secrets downloader, one file (full binary) | {full*1000:.1f} | {full/sh:.2f} |")
print(f"| sh running sops -d, one file | {sh*1000:.1f} | 1.00 |")
print()
print(f"| start-up | mean (ms) | vs helm-secrets |\n|---|---|---|")
print(f"| helm-secrets --version | {ours*1000:.1f} | 1.00 |\n| sops --version | {sops*1000:.1f} | {sops/ours:.2f} |\n| age --version | {age*1000:.1f} | {age/ours:.2f} |")
PY

echo
echo "## 50 files on a fake GCP KMS with 50 ms per round trip"
go test -run '^$' -bench 'BenchmarkGCPKMSDecryptFiles50$' -benchtime 5x ./pkg/encrypt |
    awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "roundtrips/op") print "wall time of DecryptFiles(50 files) = " $i " KMS round trips (target <= 3)" }'

if [ "${BIG:-1}" != 0 ]; then
echo
echo "## A 5 MB values file"
python3 - "$work/big.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    i = 0
    while f.tell() < 5 * 1024 * 1024:
        f.write(f"key{i}: value-{i}-{'x' * 40}\n"); i += 1
PY
"$SOPS_BIN" encrypt --age "$recipient" "$work/big.yaml" > "$work/big.enc.yaml"
json="$work/big.json"
# sops spends ~40 s on this file (120k values); three runs are plenty.
hyperfine -N -w 0 -r 3 --export-json "$json" \
    -n "helm-secrets decrypt" "$work/helm-secrets decrypt $work/big.enc.yaml" \
    -n "sops decrypt" "$SOPS_BIN decrypt $work/big.enc.yaml" >/dev/null
mapfile -t m < <(means "$json")
python3 - "${m[@]}" <<'PY'
import sys
ours, sops = map(float, sys.argv[1:3])
print(f"| tool | mean (s) | throughput vs sops |\n|---|---|---|")
print(f"| helm-secrets decrypt | {ours:.3f} | {sops/ours:.2f}× |\n| sops decrypt | {sops:.3f} | 1.00× |")
PY
fi
