#!/usr/bin/env bash
# A real single-node SLURM cluster on 127.0.0.1, for trying runner=slurm and for CI: munge,
# slurmctld and slurmd of Debian's slurm-wlm, with their configuration, keys, state, sockets and logs in
# one folder (default /tmp/commsim-slurm-<uid>; COMMSIM_SLURM_DIR elsewhere). Run it as root (slurmd
# runs jobs as their users). Besides the packages apt installs, nothing in /etc is changed.
#
#   cluster/slurm-local.sh up     install slurm-wlm and munge if missing (apt-get: root or sudo), start
#                                 the daemons, wait until the node is idle; prints `export SLURM_CONF=...`
#   cluster/slurm-local.sh down   stop the daemons (the folder stays, for the logs)
#   cluster/slurm-local.sh env    print `export SLURM_CONF=...` (eval it, then sbatch/squeue use the cluster)
#   cluster/slurm-local.sh conf   print the path of its slurm.conf
#
# make slurm-up / make slurm-down run it. The node has this machine's CPUs and memory; the partition
# is `debug`. Job accounting is off (no slurmdbd), so `sacct` does not work here: commsim's SLURM
# backend watches its array tasks with squeue and their result files (experiments/runner/backends/slurm.py).
set -euo pipefail
DIR="${COMMSIM_SLURM_DIR:-${TMPDIR:-/tmp}/commsim-slurm-$(id -u)}"
CONF="$DIR/slurm.conf"
PORT_CTLD="${COMMSIM_SLURM_PORT:-6917}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

env_line() { echo "export SLURM_CONF=$CONF"; }

install() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null && return 0
  echo "slurm-local: installing slurm-wlm and munge (apt-get)" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null \
    || { $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null; }
}

configure() {
  mkdir -p "$DIR/munge" "$DIR/ctld" "$DIR/spool" "$DIR/log"
  chmod 700 "$DIR/munge"
  [ -s "$DIR/munge/munge.key" ] || { dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none; }
  chmod 600 "$DIR/munge/munge.key"
  local host cpus mem
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)"
  cat > "$CONF" <<CONF
# written by cluster/slurm-local.sh: a one-node cluster on 127.0.0.1
ClusterName=commsim
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$PORT_CTLD
SlurmdPort=$((PORT_CTLD + 1))
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MaxArraySize=100001
MinJobAge=300
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  # slurmd loads a cgroup plugin even when no cgroup plugin is configured (Slurm 22.05); v1, without systemd
  printf "CgroupPlugin=cgroup/v1\nIgnoreSystemd=yes\nCgroupMountpoint=/sys/fs/cgroup\n" > "$DIR/cgroup.conf"
}

up() {
  [ "$(id -u)" = 0 ] || { echo "slurm-local: run as root (sudo $0 up): slurmd runs jobs as their users" >&2; exit 1; }
  install
  configure
  export SLURM_CONF="$CONF"
  down quiet
  trap 'down quiet' ERR  # a daemon that fails to start: stop the ones that did
  munged --force --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munge.seed"
  slurmctld -f "$CONF" -i
  slurmd -f "$CONF" -N "$(hostname -s)"
  for _ in $(seq 1 60); do
    if sinfo -h -o "%T" 2>/dev/null | grep -qx "idle"; then
      echo "slurm-local: up ($(sinfo -h -o '%N, %c CPUs, %m MB, partition %P')); logs in $DIR/log" >&2
      env_line
      return 0
    fi
    sleep 1
  done
  echo "slurm-local: the node did not become idle within 60 s; sinfo says:" >&2
  sinfo >&2 || true
  tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
  down quiet
  exit 1
}

down() {
  local pidfile
  for pidfile in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
    if [ -s "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
  done
  for pidfile in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
    for _ in $(seq 1 50); do
      [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.2
    done
    rm -f "$pidfile"
  done
  [ "${1:-}" = quiet ] || echo "slurm-local: down" >&2
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_line ;;
  conf) echo "$CONF" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
