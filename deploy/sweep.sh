# Sourced by the scripts that run one configuration over several seeds and
# compare groups of runs (deploy/compare.sh: algorithms; deploy/ablation.sh:
# the paper's N): what they share once, after their runs are done.
#
#   source deploy/sweep.sh
#   sweep_points GROUP SEED RUN_DIR >>points.tsv    # every evaluation of a run
#   sweep_curves points.tsv GROUP 3 curves.dat      # mean, min, max over seeds
#   sweep_runs_csv points.tsv GROUP_NAME >runs.csv  # one row per run
#   sweep_summary_row runs.csv GROUP_NAME GROUP     # a Markdown row per group
#   sweep_figure OUT.png "title" points.tsv "label:steps.dat:seconds.dat" ...
#
# points.tsv rows are "group seed env_steps elapsed_seconds test_success",
# one per evaluation (progress.csv columns read by name, deploy/csv.sh).
source "$(dirname "${BASH_SOURCE[0]}")/csv.sh"

sweep_points() {  # group, seed, run_dir
  csv_awk "$3/progress.csv" "env_steps elapsed_seconds eval_success_rate" \
      '$col["eval_success_rate"] >= 0 {
         print g, s, $col["env_steps"], $col["elapsed_seconds"], $col["eval_success_rate"] }' \
      -v g="$1" -v s="$2"
}

# On a grid of 100 points per axis shared by every group, the mean, min and
# max over the seeds whose run reached that point, each run's success being
# its latest evaluation at or before it: "x mean min max runs".
sweep_curves() {  # points, group, axis column (3 steps, 4 seconds), output
  awk -v group="$2" -v c="$3" '
    { if ($c > top) top = $c }
    $1 == group { n[$2]++; x[$2, n[$2]] = $c; y[$2, n[$2]] = $5; seeds[$2] = 1 }
    END {
      for (i = 0; i <= 100; ++i) {
        g = top * i / 100; count = 0; sum = 0; lo = 2; hi = -1
        for (s in seeds) {
          if (x[s, n[s]] < g) continue          # This run ended before g.
          v = -1
          for (j = 1; j <= n[s] && x[s, j] <= g; ++j) v = y[s, j]
          if (v < 0) continue                  # Not yet evaluated at g.
          count++; sum += v; if (v < lo) lo = v; if (v > hi) hi = v
        }
        if (count > 0) printf "%g %.4f %.4f %.4f %d\n", g, sum / count, lo, hi, count
      }
    }' "$1" >"$4"
}

# One row per run: final and best test success, and the env steps and
# seconds it first reached 0.5 and 0.9 (empty when it never did), sorted by
# group (numerically when groups are numbers) and seed.
sweep_runs_csv() {  # points, group column name
  awk -v name="$2" '
    BEGIN { split("0.5 0.9", threshold, " ") }
    {
      run = $1 "," $2; runs[run] = 1; final[run] = $5
      if (!(run in best) || $5 > best[run]) best[run] = $5
      for (i = 1; i <= 2; ++i) {
        if ($5 >= threshold[i] && !((run, i) in steps)) { steps[run, i] = $3; secs[run, i] = $4 }
      }
    }
    END {
      print name ",seed,final_success,best_success,steps_to_0.5,seconds_to_0.5,steps_to_0.9,seconds_to_0.9"
      for (run in runs) {
        printf "%s,%s,%s,%s,%s,%s,%s\n", run, final[run], best[run],
            ((run, 1) in steps) ? steps[run, 1] : "", ((run, 1) in secs) ? secs[run, 1] : "",
            ((run, 2) in steps) ? steps[run, 2] : "", ((run, 2) in secs) ? secs[run, 2] : ""
      }
    }' "$1" | { read -r header; echo "$header"; sort -t, -k1,1g -k2,2n; }
}

# "| group | runs | final | best | steps to 0.5 | seconds to 0.5 | steps to
# 0.9 | seconds to 0.9 |": mean [min, max] over the group's runs; thresholds
# over the runs that reached them (reached/runs).
sweep_summary_row() {  # runs.csv, group column name, group
  csv_awk "$1" "$2 final_success best_success steps_to_0.5 seconds_to_0.5 steps_to_0.9 seconds_to_0.9" '
    function add(name, v) {
      if (v == "") return
      c[name]++; s[name] += v
      if (!(name in lo) || v < lo[name]) lo[name] = v
      if (!(name in hi) || v > hi[name]) hi[name] = v
    }
    function show(name, format) {
      if (!(name in c)) return "never"
      return sprintf(format " [" format ", " format "]", s[name] / c[name], lo[name], hi[name]) \
          (name ~ /_to_/ ? sprintf(" (%d/%d)", c[name], runs) : "")
    }
    $col[key] == group {
      runs++
      add("final", $col["final_success"]); add("best", $col["best_success"])
      add("steps_to_0.5", $col["steps_to_0.5"]); add("seconds_to_0.5", $col["seconds_to_0.5"])
      add("steps_to_0.9", $col["steps_to_0.9"]); add("seconds_to_0.9", $col["seconds_to_0.9"])
    }
    END {
      printf "| %s | %d | %s | %s | %s | %s | %s | %s |\n", group, runs,
          show("final", "%.2f"), show("best", "%.2f"), show("steps_to_0.5", "%.0f"),
          show("seconds_to_0.5", "%.0f"), show("steps_to_0.9", "%.0f"),
          show("seconds_to_0.9", "%.0f")
    }' -v key="$2" -v group="$3"
}

# The paper's layout: test success against env steps (left) and against
# wall-clock seconds (right), one mean curve with its min-max band per
# group. Each curve argument is "label:steps.dat:seconds.dat".
sweep_figure() {  # output png, title, points, curve...
  local out=$1 title=$2 points=$3 max_steps scale unit plots_steps="" plots_seconds="" color=0
  shift 3
  command -v gnuplot >/dev/null || { echo "gnuplot is not installed (deploy/install_deps.sh)" >&2; return 1; }
  max_steps=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$points")
  if awk -v m="$max_steps" 'BEGIN { exit !(m >= 1e6) }'; then
    scale=1e6 unit="millions"
  else
    scale=1e3 unit="thousands"
  fi
  local curve label steps seconds
  for curve in "$@"; do
    IFS=: read -r label steps seconds <<<"$curve"
    color=$((color + 1))
    if [[ -s "$steps" ]]; then
      plots_steps+="${plots_steps:+, }\"$steps\" using (\$1/$scale):3:4 with filledcurves fs transparent solid 0.15 noborder lc $color notitle, \"$steps\" using (\$1/$scale):2 with lines lw 2 lc $color title \"$label\""
    fi
    if [[ -s "$seconds" ]]; then
      plots_seconds+="${plots_seconds:+, }\"$seconds\" using 1:3:4 with filledcurves fs transparent solid 0.15 noborder lc $color notitle, \"$seconds\" using 1:2 with lines lw 2 lc $color title \"$label\""
    fi
  done
  [[ -n "$plots_steps" ]] || { echo "no evaluation in any run: nothing to plot" >&2; return 1; }
  gnuplot <<GNUPLOT
set terminal pngcairo size 1400,540 enhanced font "DejaVu Sans,11"
set output "$out"
set multiplot layout 1,2 title "$title" noenhanced
set yrange [0:1.02]
set xrange [0:*]
set grid
set key bottom right
set ylabel "test success rate"
set xlabel "environment steps ($unit)"
plot $plots_steps
set xlabel "wall-clock seconds"
plot $plots_seconds
unset multiplot
GNUPLOT
}
