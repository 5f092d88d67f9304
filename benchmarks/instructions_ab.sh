#!/bin/bash
# Instructions (cachegrind "I refs", millions) of a whole `python -m derive ARGS` command in two
# checkouts, alternating N rounds; medians. Unlike CPU time on a shared machine, the count does
# not move with the load (a few M of noise on the sheet of the 16), so a cut of a few
# milliseconds can be seen (~5.5 M instructions a millisecond here). Each tree's derive/ and
# problems/ are copied to the same path (hashing and so SymPy's orderings depend on the path),
# byte-compiled, run with one BLAS thread, a fixed hash seed and `random` seeded from the
# round's number in both trees: SymPy's assumption system shuffles with its own generator,
# which moved counts of the same tree by up to ~3 % when the OS seeded it in each process;
# the rounds see different shuffles, the two trees of a round the same ones (as far as
# their code paths agree). Needs valgrind.
#
#   benchmarks/instructions_ab.sh TREE_A TREE_B N derive-args...
#   benchmarks/instructions_ab.sh /tmp/base . 3 sheet gelu-descent tanh-derivative -o /tmp/x.tex
set -eu
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); n=$3; shift 3
m=$(mktemp -d)
# the interpreter itself (a shim such as pyenv's is a shell script valgrind would count)
py=$(python -c "import sys; print(sys.executable)")
trap 'rm -rf "$m"' EXIT
# `python -m derive ARGS` with every generator of Python's `random` that would seed itself from
# the OS (SymPy's assumption shuffler is its own `random.Random()`) seeded from the round's
# number instead (argv[1])
run='import random, runpy, sys
seed, made = int(sys.argv.pop(1)), []
os_seeded = random.Random.seed
def seed_of_round(self, a=None, version=2):
    if a is None:
        made.append(1)
        a = f"{seed}:{len(made)}"
    os_seeded(self, a, version)
random.Random.seed = seed_of_round
random._inst.seed()
sys.argv[0] = "derive"
runpy.run_module("derive", run_name="__main__", alter_sys=True)'
for round in $(seq "$n"); do
  for t in "$a" "$b"; do
    rm -rf "$m/tree"; mkdir -p "$m/tree"
    cp -a "$t/derive" "$t/problems" "$t/pyproject.toml" "$m/tree/"
    "$py" -m compileall -q "$m/tree/derive"
    r=$(cd "$m/tree" && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        PYTHONHASHSEED=0 DERIVE_CACHE=off PYTHONPATH="$m/tree" \
        valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$py" -c "$run" "$round" "$@" 2>&1 >/dev/null | grep "I *refs" | head -1 \
        | awk '{gsub(",", "", $4); printf "%.1f", $4 / 1e6}')
    echo "$t $r"
  done
done | python3 -c "
import statistics, sys
runs = {}
for line in sys.stdin:
    tree, count = line.split()
    runs.setdefault(tree, []).append(float(count))
for tree, v in runs.items():
    print(f'{tree}: median {statistics.median(v):.1f} M instructions', sorted(v))
"
