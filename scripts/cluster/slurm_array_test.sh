#!/usr/bin/env bash
# scripts/cluster/slurm_array_test.sh SYNCDSP INPUT_DIR [SHARDS] - a real single-node Slurm cluster
# on this machine (munged, slurmctld and slurmd on 127.0.0.1 in a temporary directory, process
# tracking by /proc: no cgroups), a job array running `syncdsp batch --shard K/N` over INPUT_DIR,
# the shards merged with `syncdsp report --merge`, compared with a local `syncdsp batch` of the
# same files. Everything is torn down at the end. If the cluster cannot start, the test FAILS with
# the reason (exit 1); it never skips. Needs root or a user that may run the daemons (CI: root).
set -euo pipefail
SYNCDSP=$(readlink -f "$1"); INPUTS=$(readlink -f "$2"); SHARDS=${3:-2}
OPTS=${SYNCDSP_BATCH_OPTS:---faces off --phones off --face-crop}
fail() { echo "slurm_array_test: FAIL: $*" >&2; exit 1; }
for t in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || fail "$t is not installed (scripts/setup.sh installs slurm-wlm and munge)"
done
export PATH="$PATH:/usr/sbin"
T=$(mktemp -d /tmp/syncdsp-slurm.XXXXXX)
chmod 755 "$T"
cleanup() {
  local status=$? p alive
  for p in slurmd slurmctld munged; do
    [ -f "$T/$p.pid" ] && kill "$(cat "$T/$p.pid")" 2>/dev/null || true
  done
  # Wait (up to 10 s) for the daemons to exit: slurmctld still writes its state while it stops,
  # and removing the folder under it fails ("Directory not empty"), which would fail the test.
  for _ in $(seq 50); do
    alive=""
    for p in slurmd slurmctld munged; do
      [ -f "$T/$p.pid" ] && kill -0 "$(cat "$T/$p.pid" 2>/dev/null)" 2>/dev/null && alive=1
    done
    [ -z "$alive" ] && break
    sleep 0.2
  done
  rm -rf "$T" 2>/dev/null || { sleep 1; rm -rf "$T" || echo "slurm_array_test: could not remove $T" >&2; }
  exit "$status"
}
trap cleanup EXIT
mkdir -p "$T/state" "$T/spool" "$T/out"
# The inputs: a symbolic-link copy of INPUT_DIR plus a corrupt file (its error line must match too).
cp -rs "$INPUTS" "$T/in" && echo "not a video" > "$T/in/corrupt.mp4" && INPUTS="$T/in"
HOST=$(hostname -s)
PORT=$((17000 + RANDOM % 2000))
# munge: a fresh key and its own socket.
mungekey --create --keyfile="$T/munge.key" 2>/dev/null || dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$T/munge.key"
munged --force --socket="$T/munge.sock" --key-file="$T/munge.key" --pid-file="$T/munged.pid" \
       --log-file="$T/munged.log" --seed-file="$T/munge.seed" || fail "munged did not start: $(tail -3 "$T/munged.log" 2>/dev/null)"
CPUS=$(nproc)
cat > "$T/slurm.conf" <<CONF
ClusterName=syncdsptest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$T/munge.sock
CredType=cred/munge
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
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -5 "$T/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" -N "$HOST" || fail "slurmd did not start: $(tail -5 "$T/slurmd.log" 2>/dev/null)"
for i in $(seq 60); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "the node did not become idle (state '$state'): $(tail -5 "$T/slurmd.log" "$T/slurmctld.log" 2>/dev/null)"

# The job array (the recipe of docs/scale.md).
cat > "$T/batch.sbatch" <<JOB
#!/bin/bash
#SBATCH --job-name=syncdsp
#SBATCH --array=0-$((SHARDS - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$T/out/%A_%a.log
"$SYNCDSP" batch "$INPUTS" -o "$T/out/results-\$SLURM_ARRAY_TASK_ID.jsonl" --shard \$SLURM_ARRAY_TASK_ID/$SHARDS --threads 1 --quiet $OPTS
# exit 1 only means some file failed; its line says why
[ \$? -le 1 ]
JOB
JOB_ID=$(sbatch --parsable "$T/batch.sbatch") || fail "sbatch failed"
for i in $(seq 900); do
  [ -z "$(squeue -h -j "$JOB_ID" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "$JOB_ID")" ] || fail "the array $JOB_ID did not finish in 15 minutes"
n=$(ls "$T"/out/results-*.jsonl 2>/dev/null | wc -l)
[ "$n" -eq "$SHARDS" ] || fail "$n of $SHARDS shards wrote results: $(cat "$T"/out/*.log 2>/dev/null | tail -5)"
"$SYNCDSP" report "$T"/out/results-*.jsonl --merge "$T/slurm.jsonl" --no-timings > /dev/null
# The same files, locally, in one batch.
"$SYNCDSP" batch "$INPUTS" -o "$T/local-raw.jsonl" --quiet $OPTS || [ $? -eq 1 ]
"$SYNCDSP" report "$T/local-raw.jsonl" --merge "$T/local.jsonl" --no-timings > /dev/null
cmp -s "$T/slurm.jsonl" "$T/local.jsonl" || fail "the merged Slurm shards differ from the local batch: $(diff "$T/slurm.jsonl" "$T/local.jsonl" | head -c 600)"
echo "slurm_array_test: OK: $SHARDS array tasks over $(wc -l < "$T/local.jsonl") files equal the local batch"
