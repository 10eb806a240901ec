#!/usr/bin/env bash
# Side-by-side performance of helm-secrets, measured in one run on one
# machine, reported as ratios (docs/performance.md). The commands compared
# in a table run interleaved, round by round (scripts/bench_interleaved.py,
# medians), so that a noisy patch of a shared machine falls on all of them;
# start-up uses hyperfine (means):
#   (a) plain `helm template` with N plaintext values files: the floor
#   (b) `helm secrets template` with the same N files age-encrypted
#   (c) the shell plugin's pipeline: one `sops -d` process per file, then helm template
#   (d) plain `helm template -f secrets://FILE ...` through our getter plugin
#   (e) the same through a getter plugin whose command is `sh` running `sops -d`
# for each helm (v3, v4) and N; plus one getter call (lean, full, sh + sops),
# start-up of our binaries vs `helm version`, `sops --version` and age,
# decrypting a 5 MiB YAML and JSON values file (15 MiB encrypted) and a
# 20 MiB encrypted YAML file (ours vs the sops CLI, outputs compared byte
# for byte), peak RSS (a 5 MB file, 1,000
# small files), and 50 files on a fake GCP KMS with 50 ms latency. The
# load average is printed first and last: the machine should be quiet.
#
#   scripts/bench.sh                 N = 1 10 20 50 200, 10 runs each
#   RUNS=20 scripts/bench.sh 20      only N = 20
#   BIG=0 scripts/bench.sh           without the large files (sops needs minutes on them)
#   BIG20=0 scripts/bench.sh         without the 20 MiB (encrypted) file
#   BIGJSON=0 scripts/bench.sh       without the JSON file (sops takes > 15 minutes on it)
#   WRAPPER=0 scripts/bench.sh       only the large files and peak RSS
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
eval "$(scripts/test-deps.sh)"
RUNS=${RUNS:-10}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1 10 20 50 200)
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"

work=$(mktemp -d "${TMPDIR:-/tmp}/helm-secrets-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -trimpath -ldflags "-s -w" -o "$work/helm-secrets" ./cmd/helm-secrets
go build -trimpath -ldflags "-s -w" -o "$work/helm-secrets-getter" ./cmd/helm-secrets-getter
go build -trimpath -ldflags "-s -w" -o "$work/helm-secrets-wrapper" ./cmd/helm-secrets-wrapper
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
# The floor: a plugin that does nothing (helm starting a plugin).
mkdir -p "$work/noop3" "$work/noop4"
printf 'name: "noop"\nversion: "0.1.0"\nusage: "noop"\ndescription: "noop"\ncommand: "%s"\n' "$(command -v true)" > "$work/noop3/plugin.yaml"
printf 'apiVersion: v1\nname: noop\nversion: 0.1.0\ntype: cli/v1\nruntime: subprocess\nconfig:\n  usage: noop\n  shortHelp: noop\nruntimeConfig:\n  platformCommand:\n    - command: %s\n' "$(command -v true)" > "$work/noop4/plugin.yaml"
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

# means JSON, medians JSON -> seconds of each command, one per line
means() { python3 -c 'import json,sys; [print(r["mean"]) for r in json.load(open(sys.argv[1]))["results"]]' "$1"; }
medians() { python3 -c 'import json,sys; [print(r["median"]) for r in json.load(open(sys.argv[1]))["results"]]' "$1"; }
# interleaved RUNS WARMUP JSON NAME CMD ...: the commands' runs
# interleaved, round by round (scripts/bench_interleaved.py)
interleaved() { python3 "$repo/scripts/bench_interleaved.py" "$@"; }

if [ "${WRAPPER:-1}" != 0 ]; then
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
    "$helm_bin" plugin install "$work/noop${hv#v}" "${verify[@]}" >/dev/null 2>&1
    for n in "${sizes[@]}"; do
        pf=""; ef=""; df=""; dec=""
        for i in $(seq 1 "$n"); do
            pf="$pf -f $work/plain/v$i.yaml"; ef="$ef -f $work/enc/v$i.yaml"
            df="$df -f $work/dec/v$i.yaml"
            dec="$dec $SOPS_BIN decrypt $work/enc/v$i.yaml > $work/dec/v$i.yaml;"
        done
        json="$work/$hv-$n.json"
        interleaved "$RUNS" 2 "$json" \
            "a: helm template" "$helm_bin template rel $chart $pf" \
            "b: helm secrets template" "$helm_bin secrets template rel $chart $ef" \
            "c: sops -d per file + helm template" "sh -c '$dec $helm_bin template rel $chart $df >/dev/null; rm -f $work/dec/*'" \
            "v: helm version" "$helm_bin version" \
            "p: helm noop (a plugin that runs true)" "$helm_bin noop"
        mapfile -t m < <(medians "$json")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$hv" "$n" "${m[0]}" "${m[1]}" "${m[2]}" "${m[3]}" "${m[4]}" >> "$results"
        gf=""; sf=""
        for i in $(seq 1 "$n"); do
            gf="$gf -f secrets://$work/enc/v$i.yaml"; sf="$sf -f shsecrets://$work/enc/v$i.yaml"
        done
        json="$work/getter-$hv-$n.json"
        interleaved "$RUNS" 2 "$json" \
            "a: helm template" "$helm_bin template rel $chart $pf" \
            "d: helm template -f secrets://" "$helm_bin template rel $chart $gf" \
            "e: helm template -f shsecrets:// (sh + sops -d)" "$helm_bin template rel $chart $sf"
        mapfile -t m < <(medians "$json")
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

echo "## Wrapper: helm template with N values files (medians of $RUNS interleaved runs)"
echo
echo "(v: \`helm version\` and p: \`helm noop\`, a plugin that runs \`true\`, are measured in the same rounds: p is the floor of any plugin; b − a within 1.3× of v is the target, as is (b−a)/(c−a) ≤ 1/6)"
echo
echo "| helm | N | a: plain (s) | b: helm secrets (s) | c: sops per file + helm (s) | (b−a)/(c−a) | c/b | b−a (ms) | v: helm version (ms) | (b−a)/v | p: noop plugin (ms) | (b−a)/p |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
python3 - "$results" <<'PY'
import sys
for line in open(sys.argv[1]):
    hv, n, a, b, c, v, p = line.split()
    a, b, c, v, p = map(float, (a, b, c, v, p))
    print(f"| {hv} | {n} | {a:.3f} | {b:.3f} | {c:.3f} | {(b-a)/(c-a):.3f} | {c/b:.1f}× | {(b-a)*1000:.1f} | {v*1000:.1f} | {(b-a)/v:.2f} | {p*1000:.1f} | {(b-a)/p:.2f} |")
PY
echo
echo "## Getter: plain helm template with N secrets:// files (medians of $RUNS interleaved runs)"
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
    -n "helm-secrets-getter --version" "$work/helm-secrets-getter --version" \
    -n "helm version (v3)" "$HELM3_BIN version" \
    -n "helm version (v4)" "$HELM4_BIN version" \
    -n "sops --version" "$SOPS_BIN --version --disable-version-check" \
    -n "age --version" "$AGE_BIN --version" >/dev/null
mapfile -t m < <(means "$json")
python3 - "${m[@]}" <<'PY'
import sys
lean, full, sh, ours, getter, h3, h4, sops, age = map(float, sys.argv[1:10])
print(f"| command | mean (ms) | vs sh + sops -d |\n|---|---|---|")
print(f"| helm-secrets-getter, one file (lean path) | {lean*1000:.1f} | {lean/sh:.2f} |")
print(f"| helm-secrets downloader, one file (full binary) | {full*1000:.1f} | {full/sh:.2f} |")
print(f"| sh running sops -d, one file | {sh*1000:.1f} | 1.00 |")
print()
print(f"| start-up | mean (ms) | vs helm version (v3) |\n|---|---|---|")
for name, v in [("helm-secrets --version", ours), ("helm-secrets-getter --version", getter), ("helm version (v3)", h3),
                ("helm version (v4)", h4), ("sops --version", sops), ("age --version", age)]:
    print(f"| {name} | {v*1000:.1f} | {v/h3:.2f} |")
PY

echo
echo "## The wrapper's own cost: N age-encrypted files, helm replaced by true (medians of $((RUNS * 3)) interleaved runs)"
echo
echo "(what the wrapper adds to one helm start; the lean wrapper is what \`helm secrets\` runs, the full binary what it hands other cases to)"
echo
echo "| N | lean helm-secrets-wrapper (ms) | full helm-secrets (ms) | helm version v3 (ms) | lean / helm version |"
echo "|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    ef=""; for i in $(seq 1 "$n"); do ef="$ef -f $work/enc/v$i.yaml"; done
    json="$work/own-$n.json"
    HELM_SECRETS_HELM_PATH=$(command -v true) interleaved $((RUNS * 3)) 3 "$json" \
        "lean" "$work/helm-secrets-wrapper template rel $chart $ef" \
        "full" "$work/helm-secrets template rel $chart $ef" \
        "helm version" "$HELM3_BIN version"
    mapfile -t m < <(medians "$json")
    python3 -c 'import sys; n,l,f,h=sys.argv[1], *map(float, sys.argv[2:5]); print(f"| {n} | {l*1000:.1f} | {f*1000:.1f} | {h*1000:.1f} | {l/h:.2f} |")' "$n" "${m[0]}" "${m[1]}" "${m[2]}"
done

echo
echo "## 50 files on a fake GCP KMS with 50 ms per round trip"
go test -run '^$' -bench 'BenchmarkGCPKMSDecryptFiles50$' -benchtime 5x ./pkg/encrypt |
    awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "roundtrips/op") print "wall time of DecryptFiles(50 files) = " $i " KMS round trips (target <= 3)" }'

fi

if [ "${BIG:-1}" != 0 ]; then
echo
echo "## Large values files: ours vs sops decrypt (byte-identical output checked)"
# gen FILE KB FORMAT: a flat mapping of ~44-byte values, as a generated
# values file is; sops' YAML load is quadratic in its keys. Encrypted, such
# a file is ~3x its plaintext: the 20 MiB file is the largest the CLI
# reads (its 32 MiB input cap) near a round size.
gen() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
path, kb, fmt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    i = 0
    if fmt == "json":
        f.write("{")
    while f.tell() < kb * 1024:
        if fmt == "json":
            f.write(("," if i else "") + f'"key{i}": "value-{i}-{"x" * 40}"')
        else:
            f.write(f"key{i}: value-{i}-{'x' * 40}\n")
        i += 1
    if fmt == "json":
        f.write("}\n")
PY
}
# plaintext KiB and format
bigs=("5120 yaml"); [ "${BIGJSON:-1}" != 0 ] && bigs+=("5120 json"); [ "${BIG20:-1}" != 0 ] && bigs+=("6800 yaml")
lean_rows=()
echo "| file | helm-secrets decrypt (s) | sops decrypt (s) | sops/ours | peak RSS ours / sops (MiB) | output |"
echo "|---|---|---|---|---|---|"
for b in "${bigs[@]}"; do
    read -r kb fmt <<<"$b"
    mb=$kb
    f="$work/big$mb.$fmt"
    gen "$f" "$kb" "$fmt"
    "$SOPS_BIN" encrypt --age "$recipient" "$f" > "$work/big$mb.enc.$fmt"
    # One timed run each with GNU time (sops needs minutes on 20 MB): wall
    # seconds and peak RSS, and the outputs compared.
    /usr/bin/time -f '%e %M' -o "$work/t-ours" "$work/helm-secrets" decrypt "$work/big$mb.enc.$fmt" > "$work/out-ours"
    /usr/bin/time -f '%e %M' -o "$work/t-sops" "$SOPS_BIN" decrypt "$work/big$mb.enc.$fmt" > "$work/out-sops"
    same="byte-identical"; cmp -s "$work/out-ours" "$work/out-sops" || same="DIFFERENT"
    read -r to ro < "$work/t-ours"; read -r ts rs < "$work/t-sops"
    python3 -c 'import sys; mb,fmt,to,ro,ts,rs,same,size=sys.argv[1:]; to,ts=float(to),float(ts); print(f"| {int(mb)/1024:.1f} MiB {fmt} ({int(size)/2**20:.1f} MiB encrypted) | {to:.2f} | {ts:.2f} | {ts/max(to,0.001):.1f}× | {int(ro)/1024:.0f} / {int(rs)/1024:.0f} | {same} |")' \
        "$mb" "$fmt" "$to" "$ro" "$ts" "$rs" "$same" "$(stat -c %s "$work/big$mb.enc.$fmt")"
    rm -f "$work/out-ours" "$work/out-sops" "$f"
    [ "$same" = byte-identical ] || { echo "output differs from sops decrypt" >&2; exit 1; }
    # The same file through the lean wrapper (what `helm secrets template -f
    # FILE` runs), helm replaced by true: our process alone.
    if [ "$fmt" = yaml ]; then
        HELM_SECRETS_HELM_PATH=$(command -v true) HELM_SECRETS_QUIET=true /usr/bin/time -f '%e %M' -o "$work/t-lean" \
            "$work/helm-secrets-wrapper" template rel "$chart" -f "$work/big$mb.enc.$fmt"
        read -r tl rl < "$work/t-lean"
        lean_rows+=("| $(python3 -c 'import sys; print(f"{int(sys.argv[1])/1024:.1f} MiB yaml ({int(sys.argv[2])/2**20:.1f} MiB encrypted)")' "$mb" "$(stat -c %s "$work/big$mb.enc.$fmt")") | $tl | $((rl / 1024)) | $(python3 -c 'import sys; print(f"{float(sys.argv[1])/max(float(sys.argv[2]),0.001):.1f}×")' "$ts" "$tl") |")
    fi
done
echo
echo "The same YAML files through the lean wrapper (\`helm-secrets-wrapper template rel CHART -f FILE\`, helm replaced by true):"
echo
echo "| file | wall (s) | peak RSS (MiB) | sops decrypt / lean |"
echo "|---|---|---|---|"
printf '%s\n' "${lean_rows[@]}"
fi

echo
echo "## Peak RSS: 1,000 small files through the wrapper"
# helm is replaced by true, so the peak is our process's own.
# Files beyond those encrypted above are copies of them (each path is
# still read and decrypted on its own).
for i in $(seq 1 1000); do
    [ -f "$work/enc/v$i.yaml" ] || cp "$work/enc/v$(( (i - 1) % max + 1 )).yaml" "$work/enc/v$i.yaml"
done
args=(); for i in $(seq 1 1000); do args+=(-f "$work/enc/v$i.yaml"); done
for b in helm-secrets-wrapper helm-secrets; do
    HELM_SECRETS_HELM_PATH=$(command -v true) HELM_SECRETS_QUIET=true /usr/bin/time -f '%e %M' -o "$work/t-many" "$work/$b" template rel "$chart" "${args[@]}"
    read -r tm rm_ < "$work/t-many"
    echo "| $b: 1,000 files (3 keys each, $(du -cb "$work"/enc/v*.yaml | tail -1 | cut -f1) bytes encrypted) | wall ${tm} s | peak RSS $((rm_ / 1024)) MiB |"
done
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
