#!/usr/bin/env bash
# tests/slurm/test_slurm.sh BUILD_DIR SOURCE_DIR (ctest test_slurm, label slurm)
# A one-node Slurm cluster on this machine, for real: munged, slurmctld and
# slurmd started here in a temporary folder (a generated slurm.conf with this
# node's CPUs and memory from `slurmd -C`, two GPUs that are only counted:
# gres.conf names /dev/null and /dev/zero, so "one GPU per task" is scheduled
# as on a GPU node), stopped and removed at the end.  It submits
# scripts/slurm/submit.sh: a job array of 3 segments of a 14-frame clip with
# awkward scene cuts (RIFE -n 2, CPU backend, FFV1) and the join job that
# depends on it (afterok), waits, and checks that the joined film is the
# single-process run's: frames, pts, pixels, audio and subtitle packets;
# join --status says all done.
# Exit 77 (ctest: skipped) when Slurm or munge is missing or cannot start
# here; never a pass without the jobs having run.
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; exit 1; }
for t in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$t" >/dev/null || skip "$t is not installed (setup.sh: slurm-wlm, munge)"
done
T=$(mktemp -d /tmp/oprestore-slurm.XXXXXX)
stop() {
  for p in slurmd slurmctld munged; do
    [ -s "$T/$p.pid" ] && kill "$(cat "$T/$p.pid")" 2>/dev/null
  done
  sleep 1
  for p in slurmd slurmctld munged; do
    [ -s "$T/$p.pid" ] && kill -9 "$(cat "$T/$p.pid")" 2>/dev/null
  done
  rm -rf "$T"
}
trap stop EXIT
logs() { for f in "$T"/*.log; do echo "== $f"; tail -n 15 "$f"; done; }
user=$(id -un)
host=$(hostname -s)

# munge: a fresh key and socket of our own
head -c 1024 /dev/urandom >"$T/munge.key" && chmod 400 "$T/munge.key"
munged --key-file="$T/munge.key" --socket="$T/munge.sock" --pid-file="$T/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munge.seed" --force >/dev/null 2>&1 ||
  { logs; skip "munged does not start here"; }
for _ in $(seq 50); do [ -S "$T/munge.sock" ] && break; sleep 0.1; done
[ -S "$T/munge.sock" ] || { logs; skip "munged made no socket"; }

# slurm.conf: this node as slurmd sees it, free ports, no cgroups, no accounting
node=$(slurmd -C 2>/dev/null | head -n 1 | sed 's/ UpTime=.*//')
[ -n "$node" ] || skip "slurmd -C says nothing about this node"
port=$((20000 + RANDOM % 20000))
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<CONF
ClusterName=oprestoretest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
GresTypes=gpu
$node NodeAddr=127.0.0.1 Gres=gpu:2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
echo "NodeName=$host Name=gpu File=/dev/null" >"$T/gres.conf"
echo "NodeName=$host Name=gpu File=/dev/zero" >>"$T/gres.conf"
export SLURM_CONF=$T/slurm.conf
slurmctld -f "$SLURM_CONF" >/dev/null 2>&1 || { logs; skip "slurmctld does not start here"; }
slurmd -f "$SLURM_CONF" >/dev/null 2>&1 || { logs; skip "slurmd does not start here"; }
up=0
for _ in $(seq 60); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null)
  case "$state" in
    idle*) up=1; break ;;
    drain*|down*|inval*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 ;;
  esac
  sleep 0.5
done
[ $up = 1 ] || { logs; skip "the node did not come up (state '${state:-none}')"; }
echo "slurm up: $node, 2 counted GPUs"

# the clip, the model, and the single-process run to compare with
tool=$build/tests/slurm_test_tool
gpu=$build/oprestore-gpu
mkdir -p "$T/models" "$T/work"
"$tool" clip "$T/clip.mkv" || fail "cannot make the clip"
"$tool" model "$src/tests/fixtures/ckpt/rife_v4_6.zip.pth" "$T/models/rife.safetensors" ||
  fail "cannot convert the RIFE fixture"
args=(--interpolate rife -n 2 -M "$T/models" --codec ffv1 -q -j 1:1:1)
"$gpu" restore -i "$T/clip.mkv" -o "$T/single.mkv" -g cpu "${args[@]}" ||
  fail "the single-process run failed"

# the cluster run: 3 array tasks (2 at a time: 2 GPUs), then the join
cd "$T/work" || exit 1
ids=$(OPRESTORE_GPU=$gpu OPRESTORE_DEVICE=cpu OPRESTORE_SBATCH_ARGS="--cpus-per-task=1" \
  "$src/scripts/slurm/submit.sh" 3 "$T/clip.mkv" "$T/segments" "$T/joined.mkv" "${args[@]}") ||
  { logs; fail "sbatch refused the jobs"; }
read -r array join <<<"$ids"
echo "submitted: array $array, join $join"
for _ in $(seq 360); do
  [ -z "$(squeue -h -j "$array,$join" 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -j "$array,$join" 2>/dev/null)" ] || { logs; squeue; fail "the jobs did not finish in 3 minutes"; }
for f in "$T"/work/*.out; do echo "== $(basename "$f")"; cat "$f"; done
js=$(scontrol show job "$join" 2>/dev/null | grep -o 'JobState=[A-Z_]*')
[ "$js" = JobState=COMPLETED ] || { logs; fail "join job: ${js:-gone}"; }
for k in 0 1 2; do
  s=$(scontrol show job "${array}_$k" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1)
  [ "$s" = JobState=COMPLETED ] || fail "array task $k: ${s:-gone}"
done
"$gpu" join --status "$T/segments" || fail "join --status: not all done"
"$tool" same "$T/single.mkv" "$T/joined.mkv" || fail "the joined film is not the single run's"
echo "PASSED: 3 segments on Slurm joined into the single run's film"
