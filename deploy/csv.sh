# Sourced by the deploy scripts: reads progress.csv by column name, never by
# position. The columns themselves are defined once, in cluster_progress.cc.
#
#   source deploy/csv.sh
#   csv_awk FILE "env_steps eval_success_rate" '{ s = $col["env_steps"] } END { print s }'
#
# csv_awk runs the awk program over the data rows (comma-separated) with
# col[name] = the field number of each header name. It fails (status 2),
# naming the file and column, when one of the listed columns is missing.
# Options for awk (-v name=value) may follow the program.

csv_awk() {  # file, "needed columns", awk program, [awk options...]
  local file=$1 needed=$2 program=$3 header name
  shift 3
  header=$(head -n 1 "$file") || return 2
  for name in $needed; do
    if [[ ",$header," != *",$name,"* ]]; then
      echo "$file: no column \"$name\"" >&2
      return 2
    fi
  done
  awk -F, "$@" 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next } '"$program" "$file"
}
