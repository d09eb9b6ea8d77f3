#!/bin/bash
# scripts/slurm/submit.sh N IN SEGMENT_DIR OUT [restore options]
# Submits the job array of N segments (restore.sbatch, one GPU per task) and
# the join job that runs when all of them succeeded (join.sbatch,
# --dependency=afterok); prints "ARRAY_JOB_ID JOIN_JOB_ID".  Extra sbatch
# options for both (a partition, an account, a time limit) go in
# OPRESTORE_SBATCH_ARGS, e.g. "--partition=gpu --time=12:00:00"; they override
# the scripts' #SBATCH lines.  Follow with: oprestore-gpu join --status SEGMENT_DIR
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: submit.sh N IN SEGMENT_DIR OUT [restore options]" >&2
  exit 2
fi
n=$1 in=$2 dir=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2086 # OPRESTORE_SBATCH_ARGS is a list of options
array=$(sbatch --parsable ${OPRESTORE_SBATCH_ARGS:-} --array=0-$((n - 1)) \
  "$here/restore.sbatch" "$n" "$in" "$dir" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
join=$(sbatch --parsable ${OPRESTORE_SBATCH_ARGS:-} --dependency=afterok:"$array" \
  --kill-on-invalid-dep=yes "$here/join.sbatch" "$dir" "$out")
echo "$array ${join%%;*}"
