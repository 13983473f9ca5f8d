# shellcheck shell=bash
# Helpers for the e2e scripts (sourced, not run): starting a provider in the
# background, waiting for its listening line, stopping it by PID, writing the
# env file. Every wait is bounded; every process is started by us and
# stopped by the PID we recorded, never by name.

E2E_WORK=${E2E_WORK:-/tmp/tokenbench-e2e}
# shellcheck disable=SC2034 # used by the scripts that source this file
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# e2e_random N: N random bytes as hex.
e2e_random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# e2e_alive PID: the process exists.
e2e_alive() { kill -0 "$1" 2>/dev/null; }

# e2e_start DIR NAME CMD...: start CMD in the background with stdout in
# DIR/NAME.out and stderr in DIR/NAME.err, append its PID to DIR/pids, and
# wait up to 30 s for its first stdout line `listening http://127.0.0.1:PORT`.
# Prints the URL. Fails (status 1) when the process dies or stays silent.
e2e_start() {
	local dir=$1 name=$2
	shift 2
	"$@" >"$dir/$name.out" 2>"$dir/$name.err" </dev/null &
	local pid=$!
	echo "$pid $name" >>"$dir/pids"
	local line
	for _ in $(seq 300); do
		if line=$(head -n1 "$dir/$name.out" 2>/dev/null) && [[ "$line" == "listening http://127.0.0.1:"* ]]; then
			echo "${line#listening }"
			return 0
		fi
		e2e_alive "$pid" || break
		sleep 0.1
	done
	echo "e2e: $name (pid $pid) did not print its listening line within 30 s; stderr:" >&2
	tail -n 20 "$dir/$name.err" >&2
	return 1
}

# e2e_stop_pids DIR: stop every process listed in DIR/pids ("PID NAME" per
# line) that is still alive and whose command line still mentions NAME (a
# recycled PID is left alone): SIGTERM, up to 10 s, then SIGKILL.
e2e_stop_pids() {
	local dir=$1 pid name
	[[ -f "$dir/pids" ]] || return 0
	while read -r pid name; do
		[[ "$pid" =~ ^[0-9]+$ ]] || continue
		e2e_alive "$pid" || continue
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || continue
		echo "e2e: stopping $name (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 100); do e2e_alive "$pid" || break; sleep 0.1; done
		if e2e_alive "$pid"; then
			echo "e2e: $name (pid $pid) ignored SIGTERM for 10 s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done <"$dir/pids"
	rm -f "$dir/pids"
}

# e2e_export NAME VALUE: a line for the env file that exports NAME=VALUE,
# quoted for bash.
e2e_export() { printf 'export %s=%q\n' "$1" "$2"; }
