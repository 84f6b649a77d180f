#!/usr/bin/env bash
# The batch script of a hem run on Slurm: deploy/launch.sh --backend=slurm
# submits it with sbatch (the command from `supervisor --sbatch_command`),
# and it becomes the supervisor of the run:
#
#   slurm_batch.sh SUPERVISOR --run=<run_dir>/run.textproto [supervisor flags...]
#
# exec: the supervisor is the batch step itself, so what Slurm sends the
# batch step reaches it -- sbatch --signal=B:TERM@<grace> shortly before the
# time limit, `scancel --batch --signal=TERM` when the user presses Ctrl-C on
# the login node -- and it stops every job step in order, with final
# checkpoints. Its exit status is the job's (scontrol show job: ExitCode).
# sbatch copies this file into its spool: every path comes as an argument.
set -u
echo "hem: slurm job ${SLURM_JOB_ID:-?} on ${SLURM_JOB_NODELIST:-?}; supervisor on $(hostname -s)"
if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "slurm_batch.sh: usage: slurm_batch.sh SUPERVISOR --run=FILE [flags...]" >&2
  exit 2
fi
exec "$@"
