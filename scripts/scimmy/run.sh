#!/usr/bin/env bash
# Starts, stops or waits for the SCIMMY test server (server.js).
#
#   scripts/scimmy/run.sh start   npm ci if node_modules is missing, start in the
#                                 background, wait until it answers; prints the URL
#   scripts/scimmy/run.sh wait    wait until a started server answers
#   scripts/scimmy/run.sh stop    stop the server started by "start"
#   scripts/scimmy/run.sh status  exit 0 when the server answers
#
# Environment: PORT (default 9070), SCIMMY_TOKEN (bearer token; unset: no auth),
# SCIMMY_RUN_DIR (pid file and log; default scripts/scimmy/.run),
# SCIMMY_WAIT_SECONDS (default 30).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${PORT:-9070}"
run_dir="${SCIMMY_RUN_DIR:-$here/.run}"
pid_file="$run_dir/server.pid"
log_file="$run_dir/server.log"
url="http://127.0.0.1:$port/scim/v2"
wait_seconds="${SCIMMY_WAIT_SECONDS:-30}"

die() { echo "scimmy: $*" >&2; exit 1; }

# answers: 0 when GET /ServiceProviderConfig returns 200.
answers() {
	local auth=()
	[ -n "${SCIMMY_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $SCIMMY_TOKEN")
	local code
	code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${auth[@]}" "$url/ServiceProviderConfig" 2>/dev/null)" || return 1
	[ "$code" = 200 ]
}

running_pid() {
	[ -f "$pid_file" ] || return 1
	local pid
	pid="$(cat "$pid_file")"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

wait_up() {
	local i
	for ((i = 0; i < wait_seconds * 10; i++)); do
		if answers; then
			echo "scimmy: up at $url"
			return 0
		fi
		if ! running_pid >/dev/null; then
			echo "scimmy: server exited; log follows" >&2
			cat "$log_file" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.1
	done
	echo "scimmy: no answer from $url/ServiceProviderConfig after ${wait_seconds}s; log follows" >&2
	cat "$log_file" >&2 2>/dev/null || true
	return 1
}

start() {
	command -v node >/dev/null || die "node not found"
	command -v npm >/dev/null || die "npm not found"
	command -v curl >/dev/null || die "curl not found"
	if pid="$(running_pid)"; then
		die "already running (pid $pid); run '$0 stop' first"
	fi
	# npm ci when node_modules is missing or older than package-lock.json
	# (npm ci writes node_modules/.package-lock.json last).
	if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
		echo "scimmy: npm ci"
		(cd "$here" && npm ci --no-audit --no-fund --ignore-scripts) || die "npm ci failed"
	fi
	if answers; then
		die "port $port already answers SCIM; another server is running there"
	fi
	mkdir -p "$run_dir"
	# setsid: the server gets its own process group, so a Ctrl-C or the
	# caller's exit does not take it down half-way; "stop" ends it.
	PORT="$port" setsid node "$here/server.js" >"$log_file" 2>&1 </dev/null &
	echo $! >"$pid_file"
	if ! wait_up; then
		stop >/dev/null 2>&1 || true
		die "failed to start"
	fi
	echo "$url"
}

stop() {
	local pid i
	if ! pid="$(running_pid)"; then
		rm -f "$pid_file"
		echo "scimmy: not running"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "scimmy: pid $pid ignored SIGTERM; killing" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pid_file"
	echo "scimmy: stopped (pid $pid)"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
wait) wait_up ;;
status) answers && echo "scimmy: up at $url" ;;
*) echo "usage: $0 start|stop|wait|status" >&2; exit 2 ;;
esac
