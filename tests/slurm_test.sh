#!/usr/bin/env bash
# The Slurm backend on a real Slurm: Debian's munged, slurmctld and slurmd,
# one node named after this machine (tests/slurm/slurm.conf.in), every file
# and socket in a scratch directory, private ports. From "the login node"
# (no SLURM_JOB_ID) deploy/launch.sh --backend=slurm submits the run as one
# job, follows its output and exits with the supervisor's status.
#
#   SlurmBackend.DaemonsStartAndTheNodeIsIdle  munge authenticates, sinfo shows
#                                              the node idle
#   SlurmBackend.TrainsFromALoginNode          launch.sh exits 0 after the job
#                                              ends; summary.json and progress.csv
#                                              show test success >= 0.9 measured
#                                              by the evaluator
#   SlurmBackend.RolesRunAsJobSteps            during the run `squeue --steps`
#                                              listed the steps replay-0, learner,
#                                              actor-0, actor-1 and evaluator, and
#                                              each process published its node's
#                                              name in the rendezvous
#   SlurmBackend.StepsStopInOrder              the supervisor stopped every step
#                                              through its tasks (SIGTERM, no
#                                              SIGKILL): no restart, the learner's
#                                              and the shard's final checkpoints
#   SlurmBackend.InterruptOnTheLoginNodeStopsTheJobInOrder
#                                              a second run (no target) gets
#                                              SIGTERM on the login node once up:
#                                              launch.sh says it stops the job
#                                              (scancel --batch --signal=TERM, the
#                                              signal Slurm's time limit sends too),
#                                              the supervisor stops every step and
#                                              writes its summary (interrupted),
#                                              the learner checkpoints, the job
#                                              ends and launch.sh exits 130
#
#   slurm_test.sh [--min_success=0.9] [--time_limit=240] [--run_dir=DIR] [--bin_dir=DIR]
# Needs root (slurmd runs steps as their user) and the packages slurm-client, slurmctld, slurmd and
# munge (deploy/install_deps.sh); elsewhere every case is SKIPPED with the
# reason. Every daemon it started, every process of its jobs and the scratch
# directory are removed on exit, also on failure. Prints GoogleTest-style
# result lines so tests/run_tests.sh counts the cases.
set -uo pipefail

MIN_SUCCESS=0.9
TIME_LIMIT=240
RUN_DIR=""
BIN_DIR=""
for arg in "$@"; do
  case "$arg" in
    --min_success=*) MIN_SUCCESS=${arg#*=} ;;
    --time_limit=*) TIME_LIMIT=${arg#*=} ;;
    --run_dir=*) RUN_DIR=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=} ;;
    *) echo "slurm_test.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
CASES=(DaemonsStartAndTheNodeIsIdle TrainsFromALoginNode RolesRunAsJobSteps StepsStopInOrder
       InterruptOnTheLoginNodeStopsTheJobInOrder)
TEST_SUITE=SlurmBackend
source "$(dirname "${BASH_SOURCE[0]}")/test_result.sh"
test_paths slurm-run
source "$ROOT/deploy/csv.sh"

if [[ $(id -u) -ne 0 ]]; then
  skip_all "slurmd runs job steps as their user and needs root; running as uid $(id -u)"
fi
for command in munged munge unmunge slurmctld slurmd sbatch srun squeue sinfo scontrol scancel; do
  command -v "$command" >/dev/null 2>&1 ||
    skip_all "$command is not installed (Debian's slurm-client, slurmctld, slurmd and munge: deploy/install_deps.sh)"
done

# --- The cluster: munged, slurmctld, slurmd, all ours ---------------------------------
# Short path: munge's socket path must fit a sockaddr_un. munged wants every
# directory above its socket searchable by all.
SCRATCH=$(mktemp -d /tmp/hem-slurm.XXXXXX) || exit 1
chmod 755 "$SCRATCH"
mkdir -p "$SCRATCH/state" "$SCRATCH/spool"
export SLURM_CONF="$SCRATCH/slurm.conf"
unset SLURM_JOB_ID SLURM_JOBID SLURM_JOB_NODELIST  # We are the login node.
DAEMONS=()    # pids of what we started, stopped in reverse order.
LAUNCH=""     # deploy/launch.sh's pid while it runs.

show_daemon_logs() {
  local log
  for log in "$SCRATCH"/*.log "$SCRATCH"/*.out; do
    [[ -f "$log" ]] || continue
    echo "--- tail of $log"
    tail -n 20 "$log"
  done
}
# Every process whose environment names our scratch directory: the
# daemons' children (slurmstepd, the job's steps and their tasks).
our_processes() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    grep -qzF "SLURM_CONF=$SCRATCH/slurm.conf" "$environ" 2>/dev/null && echo "$pid"
  done
}
cleanup() {
  local pid job i
  if [[ -n "$LAUNCH" ]] && kill -0 "$LAUNCH" 2>/dev/null; then
    kill -TERM "$LAUNCH" 2>/dev/null  # It asks the job to stop in order.
    for _ in $(seq 1 150); do kill -0 "$LAUNCH" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$LAUNCH" 2>/dev/null
  fi
  if ((${#DAEMONS[@]} > 0)); then
    for job in $(squeue -h -o %i 2>/dev/null); do scancel "$job" 2>/dev/null; done
    for _ in $(seq 1 60); do [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break; sleep 0.5; done
  fi
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; --i)); do
    pid=${DAEMONS[i]}
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for pid in $(our_processes); do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { [[ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; }
CTLD_PORT=""
for _ in $(seq 1 50); do
  p=$((30000 + RANDOM % 9000 * 2))
  if port_free "$p" && port_free $((p + 1)); then CTLD_PORT=$p; break; fi
done
[[ -n "$CTLD_PORT" ]] || { result "${CASES[0]}" 0 "no two free ports for slurmctld and slurmd"; exit 1; }
NODE=$(hostname -s)
sed -e "s|@DIR@|$SCRATCH|g" -e "s|@NODE@|$NODE|g" -e "s|@CTLD_PORT@|$CTLD_PORT|g" \
    -e "s|@SLURMD_PORT@|$((CTLD_PORT + 1))|g" -e "s|@USER@|$(id -un)|g" \
    -e "s|@MUNGE_SOCKET@|$SCRATCH/munge.sock|g" -e "s|@CPUS@|$(nproc)|g" \
    -e "s|@MEMORY_MB@|$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)|g" \
    "$ROOT/tests/slurm/slurm.conf.in" >"$SLURM_CONF"

started=1 why=""
# munge: a key of our own, read only by us.
head -c 1024 /dev/urandom >"$SCRATCH/munge.key"
chmod 400 "$SCRATCH/munge.key"
munged --foreground --socket="$SCRATCH/munge.sock" --key-file="$SCRATCH/munge.key" \
    --pid-file="$SCRATCH/munged.pid" --log-file="$SCRATCH/munged.log" \
    --seed-file="$SCRATCH/munged.seed" >"$SCRATCH/munged.out" 2>&1 &
DAEMONS+=($!)
for _ in $(seq 1 50); do [[ -S "$SCRATCH/munge.sock" ]] && break; sleep 0.2; done
if ! munge -S "$SCRATCH/munge.sock" -n 2>/dev/null | unmunge -S "$SCRATCH/munge.sock" 2>/dev/null |
    grep -q "STATUS: *Success"; then
  started=0; why+="munge does not authenticate; "
fi
if ((started)); then
  slurmctld -D -f "$SLURM_CONF" >"$SCRATCH/slurmctld.out" 2>&1 &
  DAEMONS+=($!)
  for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.2; done
  scontrol ping 2>/dev/null | grep -q "is UP" || { started=0; why+="slurmctld does not answer; "; }
fi
if ((started)); then
  slurmd -D -f "$SLURM_CONF" >"$SCRATCH/slurmd.out" 2>&1 &
  DAEMONS+=($!)
  state=""
  for _ in $(seq 1 150); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1)
    [[ "$state" == idle ]] && break
    sleep 0.2
  done
  [[ "$state" == idle ]] || { started=0; why+="node $NODE is '$state', not idle; "; }
fi
echo "slurm: node $NODE ($(nproc) CPUs), slurmctld on port $CTLD_PORT; $(sinfo 2>&1 | tail -n 1)"
result DaemonsStartAndTheNodeIsIdle "$started" "$why"
if ((!started)); then
  show_daemon_logs
  for c in "${CASES[@]:1}"; do result "$c" 0 "no cluster"; done
  exit 1
fi

# --- The run, from the login node -------------------------------------------------
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
STEPS="$SCRATCH/steps.txt"
: >"$STEPS"
launch_start=$SECONDS
"$ROOT/deploy/launch.sh" --backend=slurm --bin_dir="$BIN_DIR" --env=flip_bit:k=10 \
    --target_success="$MIN_SUCCESS" --time_limit="$TIME_LIMIT" --run_dir="$RUN_DIR" \
    --time=00:15:00 --dashboard_port=-1 >"$RUN_DIR/launch.out" 2>&1 &
LAUNCH=$!
deadline=$((SECONDS + TIME_LIMIT + 240))
while kill -0 "$LAUNCH" 2>/dev/null && ((SECONDS < deadline)); do
  squeue --steps -h -o "%i %j %N" >>"$STEPS" 2>/dev/null
  sleep 1
done
if kill -0 "$LAUNCH" 2>/dev/null; then
  timed_out=1
  kill -TERM "$LAUNCH"
  wait "$LAUNCH"
  rc=124
else
  timed_out=0
  wait "$LAUNCH"
  rc=$?
fi
LAUNCH=""
launch_s=$((SECONDS - launch_start))
job=$(sed -n 's/^hem: submitted slurm job \([0-9]*\).*/\1/p' "$RUN_DIR/launch.out")

show_logs() {
  echo "--- launch.sh output (exit $rc)"
  cat "$RUN_DIR/launch.out"
  for log in "$RUN_DIR"/logs/*; do
    echo "--- tail of $log"
    tail -n 15 "$log"
  done
  show_daemon_logs
}

# --- Trained to the target, measured by the evaluator -----------------------------
ok=1 why=""
summary="$RUN_DIR/summary.json"
best=$(sed -n 's/.*"best_eval_success_rate": \([0-9.]*\).*/\1/p' "$summary" 2>/dev/null)
csv_best=$(csv_awk "$RUN_DIR/progress.csv" eval_success_rate \
    '{ if ($col["eval_success_rate"] > b) b = $col["eval_success_rate"] } END { print b + 0 }' \
    2>/dev/null)
[[ -n "$job" ]] || { ok=0; why+="launch.sh printed no job id; "; }
((timed_out == 0)) || { ok=0; why+="launch.sh still ran after $((TIME_LIMIT + 240)) s; "; }
((rc == 0)) || { ok=0; why+="launch.sh exited $rc; "; }
grep -q "hem: slurm job $job ended (COMPLETED); exit 0" "$RUN_DIR/launch.out" ||
  { ok=0; why+="launch.sh did not report the job completed with exit 0; "; }
# The supervisor's progress lines came to the login node through the job's output.
grep -q "hem: cluster up" "$RUN_DIR/launch.out" ||
  { ok=0; why+="the job's output (cluster up, progress) was not followed; "; }
[[ -f "$summary" ]] || { ok=0; why+="no summary.json; "; }
awk -v b="${best:-0}" -v m="$MIN_SUCCESS" 'BEGIN { exit !(b >= m) }' ||
  { ok=0; why+="summary.json: best test success '${best}', needed >= $MIN_SUCCESS; "; }
awk -v b="${csv_best:-0}" -v m="$MIN_SUCCESS" 'BEGIN { exit !(b >= m) }' ||
  { ok=0; why+="progress.csv: best test success '${csv_best}', needed >= $MIN_SUCCESS; "; }
grep -q '"stop_reason": "test success' "$summary" 2>/dev/null ||
  { ok=0; why+="summary.json's stop reason is not the target: $(grep -o '"stop_reason": "[^"]*"' "$summary" 2>/dev/null); "; }
[[ -f "$RUN_DIR/success.png" ]] || { ok=0; why+="no success.png; "; }
echo "slurm job $job: launch.sh exited $rc after ${launch_s} s; test success ${best:-?} (progress.csv ${csv_best:-?}) after $(csv_awk "$RUN_DIR/progress.csv" elapsed_seconds '{ s = $col["elapsed_seconds"] } END { print s + 0 }' 2>/dev/null) s of training; $(grep -o '"stop_reason": "[^"]*"' "$summary" 2>/dev/null)"
result TrainsFromALoginNode "$ok" "$why"

# --- Every role a job step of that job ---------------------------------------------
ok=1 why=""
for name in replay-0 learner actor-0 actor-1 evaluator; do
  if ! awk -v j="$job" -v n="$name" '$2 == n && index($1, j ".") == 1 { found = 1 } END { exit !found }' \
      "$STEPS"; then
    ok=0; why+="squeue --steps never listed a step $name of job $job; "
  fi
done
for entry in replay-0 learner-0 actor-0 actor-1 evaluator-1000; do
  published=$(cat "$RUN_DIR/rendezvous/$entry" 2>/dev/null)
  [[ "$published" == "$NODE":* ]] ||
    { ok=0; why+="rendezvous $entry holds '$published', not $NODE:<port>; "; }
done
echo "steps seen: $(awk -v j="$job" 'index($1, j ".") == 1 { print $1 "=" $2 "@" $3 }' "$STEPS" | sort -u | tr '\n' ' ')"
result RolesRunAsJobSteps "$ok" "$why"

# --- Stopped in order: SIGTERM to each step's tasks, final checkpoints ------------------
ok=1 why=""
supervisor_log="$RUN_DIR/logs/supervisor.log"
if grep -E "did not stop within|cannot signal step|died" "$supervisor_log" 2>/dev/null; then
  ok=0; why+="the supervisor had to kill, could not signal, or restarted a step (above); "
fi
restarts=$(csv_awk "$RUN_DIR/progress.csv" restarts '{ r = $col["restarts"] } END { print r + 0 }' 2>/dev/null)
[[ "${restarts:-x}" == 0 ]] || { ok=0; why+="restarts: '${restarts}'; "; }
[[ -n "$(find "$RUN_DIR/replay-0" -name '*.ckpt' 2>/dev/null | head -n 1)" ]] ||
  { ok=0; why+="shard 0 left no checkpoint; "; }
[[ -n "$(find "$RUN_DIR" -maxdepth 3 -name 'ckpt-*' 2>/dev/null | head -n 1)" ]] ||
  { ok=0; why+="the learner left no checkpoint in $RUN_DIR; "; }
result StepsStopInOrder "$ok" "$why"

((failures > 0)) && show_logs

# --- Ctrl-C on the login node: the job stops in order ----------------------------------
ok=1 why=""
STOP_DIR="$RUN_DIR-interrupted"
rm -rf "$STOP_DIR"
mkdir -p "$STOP_DIR"
"$ROOT/deploy/launch.sh" --backend=slurm --bin_dir="$BIN_DIR" --env=flip_bit:k=10 \
    --target_success=2 --time_limit=300 --run_dir="$STOP_DIR" --dashboard_port=-1 \
    >"$STOP_DIR/launch.out" 2>&1 &
LAUNCH=$!
for _ in $(seq 1 240); do
  grep -q "hem: cluster up" "$STOP_DIR/launch.out" 2>/dev/null && break
  kill -0 "$LAUNCH" 2>/dev/null || break
  sleep 0.5
done
grep -q "hem: cluster up" "$STOP_DIR/launch.out" || { ok=0; why+="the second run did not come up; "; }
sleep 3
# What Ctrl-C does (a background job of a script ignores SIGINT; launch.sh
# treats SIGTERM the same).
kill -TERM "$LAUNCH" 2>/dev/null
stop_start=$SECONDS
for _ in $(seq 1 240); do kill -0 "$LAUNCH" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$LAUNCH" 2>/dev/null; then
  ok=0; why+="launch.sh still ran 120 s after the interrupt; "
  rc=124
else
  wait "$LAUNCH"
  rc=$?
fi
LAUNCH=""
stop_job=$(sed -n 's/^hem: submitted slurm job \([0-9]*\).*/\1/p' "$STOP_DIR/launch.out")
((rc == 130)) || { ok=0; why+="launch.sh exited $rc, not 130; "; }
grep -q "launch.sh: stopping slurm job $stop_job in order (scancel --batch --signal=TERM" \
    "$STOP_DIR/launch.out" || { ok=0; why+="launch.sh did not say how it stops the job; "; }
grep -q "hem: slurm job $stop_job ended" "$STOP_DIR/launch.out" ||
  { ok=0; why+="launch.sh did not wait for the job to end; "; }
grep -q '"stop_reason": "interrupted"' "$STOP_DIR/summary.json" 2>/dev/null ||
  { ok=0; why+="summary.json does not say interrupted: $(cat "$STOP_DIR/summary.json" 2>/dev/null | head -c 300); "; }
grep -q "learner stopped after" "$STOP_DIR/logs/learner.log" 2>/dev/null ||
  { ok=0; why+="the learner did not stop by itself; "; }
[[ -n "$(find "$STOP_DIR" -maxdepth 3 -name 'ckpt-*' 2>/dev/null | head -n 1)" ]] ||
  { ok=0; why+="no learner checkpoint; "; }
if grep -E "did not stop within|cannot signal step" "$STOP_DIR/logs/supervisor.log" 2>/dev/null; then
  ok=0; why+="a step was not stopped through its tasks (above); "
fi
[[ -z "$(squeue -h -j "$stop_job" -o %i 2>/dev/null)" ]] || { ok=0; why+="job $stop_job still listed; "; }
echo "slurm job $stop_job: interrupted on the login node; launch.sh exited $rc $((SECONDS - stop_start)) s later"
if ((ok == 0)); then
  echo "--- launch.sh output"
  cat "$STOP_DIR/launch.out"
fi
result InterruptOnTheLoginNodeStopsTheJobInOrder "$ok" "$why"
rm -rf "$STOP_DIR"

((failures == 0))
