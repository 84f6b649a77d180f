#!/usr/bin/env bash
# Plots a run's test and training success rate against env steps from its
# progress.csv into success.png (deploy/launch.sh calls this at the end).
# Columns are read by name.
#
#   deploy/plot_run.sh RUN_DIR "title"
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/csv.sh"
run_dir=$1
title=${2:-$(basename "$run_dir")}
csv="$run_dir/progress.csv"
[[ -f "$csv" ]] || { echo "plot_run.sh: no $csv" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot_run.sh: gnuplot is not installed (deploy/install_deps.sh)" >&2; exit 1; }
# Steps in millions once a run passes a million, thousands before.
max_steps=$(csv_awk "$csv" "env_steps" '$col["env_steps"] > m { m = $col["env_steps"] } END { print m + 0 }') || exit 1
if awk -v m="$max_steps" 'BEGIN { exit !(m >= 1e6) }'; then
  scale=1e6 unit="millions"
else
  scale=1e3 unit="thousands"
fi
gnuplot <<GNUPLOT
set terminal pngcairo size 900,540 enhanced font "DejaVu Sans,11"
set output "$run_dir/success.png"
set datafile separator ","
set datafile columnheaders
set title "$title" noenhanced
set xlabel "environment steps ($unit)"
set ylabel "success rate"
set yrange [0:1.02]
set xrange [0:*]
set grid
set key bottom right
steps = "env_steps"; test = "eval_success_rate"; train = "train_success_rate"
plot "$csv" using (column(steps)/$scale):(column(test) >= 0 ? column(test) : 1/0) with linespoints lw 2 pt 7 ps 0.6 title "test (deterministic policy, fresh goals)", \
     "" using (column(steps)/$scale):(column(train)) with lines lw 1 dt 2 title "train (with exploration noise)"
GNUPLOT
