#!/bin/bash
# Runs scripts/fmnist_torch_sweep.py on a GPU machine: trains the classifier, then every line of CONFIGS
# ("NAME key=value ...") in parallel (PAR at a time, SWEEP_S seconds at most), and packs logs, JSON and grids into
# $OUT/sweep.tgz. The sweep in docs/gan.md ran it in three calls with 18, 10 and 7 lines.
#   OUT=/tmp/out PAR=12 SWEEP_S=330 scripts/fmnist_torch_sweep_run.sh /usr/share/datasets/fashion-mnist configs.txt
set -u
DATA=${1:?data folder with the Fashion-MNIST .gz files}; CONFIGS=${2:?file of lines "NAME key=value ..."}
S=$(cd "$(dirname "$0")" && pwd)/fmnist_torch_sweep.py; R=$(mktemp -d); OUT=${OUT:-$R/out}; mkdir -p "$OUT"
python3 "$S" classifier "$DATA" "$R" > "$R/classifier.log" 2>&1 || { cat "$R/classifier.log"; exit 1; }
timeout "${SWEEP_S:-330}" xargs -P "${PAR:-8}" -L 1 sh -c 'python3 "'"$S"'" run "'"$DATA"'" "'"$R"'" "$0" "$@" > "'"$R"'/$0.log" 2>&1' < "$CONFIGS"
cat "$R"/*.log > "$OUT/logs.txt"
tar czf "$OUT/sweep.tgz" -C "$R" --exclude classifier.pt .
echo "results: $OUT/sweep.tgz"
