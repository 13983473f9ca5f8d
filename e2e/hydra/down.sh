#!/usr/bin/env bash
# Stop what e2e/hydra/up.sh started: Hydra by the PID it recorded, the
# PostgreSQL cluster with pg_ctl stop (its postmaster's PID as a fallback).
# Idempotent: nothing running is not an error. Bounded: about 40 s at most.
#
#   bash e2e/hydra/down.sh      # E2E_WORK as for up.sh (default /tmp/tokenbench-e2e)
set -uo pipefail

work=${E2E_WORK:-/tmp/tokenbench-e2e}
dir=$work/hydra
pgdata=$dir/pg

alive() { kill -0 "$1" 2>/dev/null; }

# ours PID WORD: the process is alive and its command line mentions WORD (a
# recycled PID is never killed).
ours() { alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"; }

# stop PID: TERM, up to 10 s, then KILL.
stop() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do alive "$1" || return 0; sleep 0.1; done
	echo "hydra/down.sh: $1 did not stop within 10 s, killing it" >&2
	kill -KILL "$1" 2>/dev/null || true
}

pg_pid=
if [[ -f "$pgdata/postmaster.pid" ]]; then
	pg_pid=$(head -n1 "$pgdata/postmaster.pid")
fi

# Hydra first (it holds connections to PostgreSQL).
if [[ -f "$dir/pids" ]]; then
	while read -r pid; do
		[[ "$pid" =~ ^[0-9]+$ ]] || continue
		[[ "$pid" == "$pg_pid" ]] && continue
		if ours "$pid" "hydra"; then
			echo "hydra/down.sh: stopping hydra (pid $pid)"
			stop "$pid"
		fi
	done <"$dir/pids"
fi

# Then PostgreSQL.
if [[ -n "$pg_pid" ]] && alive "$pg_pid"; then
	echo "hydra/down.sh: stopping PostgreSQL (pid $pg_pid)"
	pg_ctl=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1)
	if [[ -n "$pg_ctl" ]]; then
		if [[ $(id -u) == 0 ]]; then
			runuser -u postgres -- timeout 30 "$pg_ctl" -D "$pgdata" -m fast -w -t 25 stop >/dev/null 2>&1
		else
			timeout 30 "$pg_ctl" -D "$pgdata" -m fast -w -t 25 stop >/dev/null 2>&1
		fi
	fi
	if ours "$pg_pid" "postgres"; then
		stop "$pg_pid"
	fi
fi

rm -f "$dir/pids"
exit 0
