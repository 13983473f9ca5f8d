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
# wait up to 60 s (a loaded CI machine) for its first stdout line `listening
# http://127.0.0.1:PORT`. Prints the URL. Fails (status 1) when the process
# dies or stays silent. A process still alive with nothing on stdout after
# 60 s (node oidc-provider did, three times in about ten runs here and in CI,
# on an idle machine too; the next start went through at once) is shown (its
# state and CPU time), stopped and started once more.
e2e_start() {
	local dir=$1 name=$2 try
	shift 2
	for try in 1 2; do
		"$@" >"$dir/$name.out" 2>"$dir/$name.err" </dev/null &
		local pid=$!
		echo "$pid $name" >>"$dir/pids"
		local line
		for _ in $(seq 600); do
			if line=$(head -n1 "$dir/$name.out" 2>/dev/null) && [[ "$line" == "listening http://127.0.0.1:"* ]]; then
				echo "${line#listening }"
				return 0
			fi
			e2e_alive "$pid" || break
			sleep 0.1
		done
		echo "e2e: $name (pid $pid, $(e2e_alive "$pid" && echo alive || echo exited)) did not print its listening line within 60 s; stdout:" >&2
		tail -n 5 "$dir/$name.out" >&2
		echo "stderr:" >&2
		tail -n 20 "$dir/$name.err" >&2
		if ((try == 2)) || ! e2e_alive "$pid" || [[ -s "$dir/$name.out" ]]; then
			return 1
		fi
		echo "e2e: $name is alive and silent: state, CPU time, elapsed, wait channel: $(ps -o stat=,time=,etime=,wchan= -p "$pid" 2>/dev/null | tr -s ' '); load average $(cut -d' ' -f1-3 /proc/loadavg); stopping it and starting it once more" >&2
		kill "$pid" 2>/dev/null
		sleep 1
		kill -9 "$pid" 2>/dev/null || true
	done
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

# Client credentials for the client authentication methods, made with
# openssl into DIR (keys 0600), throwaway like the providers:
#
# e2e_ca DIR: a CA (ca.pem, ca-key.pem) and a server certificate for
# 127.0.0.1 and localhost signed by it (server.pem, server-key.pem).
e2e_ca() {
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=tokenbench e2e CA" -keyout "$d/ca-key.pem" -out "$d/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,digitalSignature 2>/dev/null || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server-key.pem" -out "$d/server.csr" 2>/dev/null || return 1
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 2 \
		-extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n') \
		-out "$d/server.pem" 2>/dev/null || return 1
	chmod 600 "$d/ca-key.pem" "$d/server-key.pem"
}

# e2e_client_cert DIR NAME [self]: a client certificate with subject
# CN=NAME (NAME.pem, NAME-key.pem), signed by DIR's CA, or self-signed.
e2e_client_cert() {
	local d=$1 name=$2
	if [[ "${3:-}" == self ]]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$name" \
			-addext extendedKeyUsage=clientAuth -keyout "$d/$name-key.pem" -out "$d/$name.pem" 2>/dev/null || return 1
	else
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
			-keyout "$d/$name-key.pem" -out "$d/$name.csr" 2>/dev/null || return 1
		openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 2 \
			-extfile <(printf 'extendedKeyUsage=clientAuth\n') -out "$d/$name.pem" 2>/dev/null || return 1
	fi
	chmod 600 "$d/$name-key.pem"
}

# e2e_rsa_key DIR NAME: an RSA 2048 private key (NAME-key.pem, PKCS#8) and
# its public key (NAME-pub.pem), for private_key_jwt.
e2e_rsa_key() {
	local d=$1 name=$2
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/$name-key.pem" 2>/dev/null || return 1
	chmod 600 "$d/$name-key.pem"
	openssl pkey -in "$d/$name-key.pem" -pubout -out "$d/$name-pub.pem" 2>/dev/null
}

# e2e_jwk PUBLIC-PEM: the public key as a JWK with use sig and kid its
# RFC 7638 thumbprint (what tokenbench sends as the assertion's kid), on one
# line (node).
e2e_jwk() {
	node -e '
const crypto = require("node:crypto"), fs = require("node:fs");
const jwk = crypto.createPublicKey(fs.readFileSync(process.argv[1])).export({ format: "jwk" });
const m = jwk.kty === "RSA" ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
jwk.kid = crypto.createHash("sha256").update(JSON.stringify(m)).digest("base64url");
jwk.use = "sig";
process.stdout.write(JSON.stringify(jwk));' "$1"
}
