#!/usr/bin/env python3
"""Time commands against each other, interleaved (used by scripts/bench.sh).

    bench_interleaved.py RUNS WARMUP OUT.json NAME CMD [NAME CMD ...]

Each round runs every command once, the order rotated by one each round,
so that a slow patch of a shared machine falls on every command alike
rather than on the one whose runs happen to be consecutive (hyperfine runs
each command's runs back to back). CMD is split like a shell word list
(quotes work, nothing is expanded) and run without a shell, as hyperfine -N
does; its output is discarded and a non-zero exit stops the measurement.
OUT.json holds, per command, its name, mean, median and every wall time in
seconds, in hyperfine's export layout ("results": [{"command", "mean",
"median", "times"}]).
"""

import json
import shlex
import statistics
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 6 or len(argv[4:]) % 2:
        sys.exit(__doc__)
    runs, warmup, out = int(argv[1]), int(argv[2]), argv[3]
    names, cmds = argv[4::2], [shlex.split(c) for c in argv[5::2]]
    times = [[] for _ in cmds]
    for r in range(warmup + runs):
        for k in range(len(cmds)):
            i = (r + k) % len(cmds)
            start = time.perf_counter()
            rc = subprocess.run(cmds[i], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode
            elapsed = time.perf_counter() - start
            if rc != 0:
                sys.exit(f"{names[i]}: exit code {rc}: {argv[5 + 2 * i]}")
            if r >= warmup:
                times[i].append(elapsed)
    results = [{"command": n, "mean": statistics.fmean(t), "median": statistics.median(t), "times": t}
               for n, t in zip(names, times)]
    with open(out, "w") as f:
        json.dump({"results": results}, f)


if __name__ == "__main__":
    main(sys.argv)
