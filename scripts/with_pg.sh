#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup/on_signal are only called from traps
# Run one command against a fresh throwaway PostgreSQL + PostGIS cluster:
#
#   scripts/with_pg.sh .venv/bin/pytest -x
#
# Starts the cluster (scripts/pg_cluster.sh), exports
# INFRASHARE_TEST_POSTGRES_URL, runs the command, and ALWAYS stops and deletes
# the cluster afterwards (normal exit, failure, Ctrl-C, SIGTERM/SIGHUP),
# exiting with the command's own exit code (130/143/129 after a signal).
#
# Two runs in the same checkout share .pgtmp/, so they are serialised with
# flock: the second waits for the first instead of tearing its cluster down.
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPTS/.." && pwd)"
PG="$SCRIPTS/pg_cluster.sh"
STATE_DIR="${INFRASHARE_PG_STATE_DIR:-$REPO_ROOT/.pgtmp}"

(($#)) || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/lock"
if ! flock -n 9; then
    echo "with_pg: another run is using $STATE_DIR; waiting for it to finish..." >&2
    flock 9
fi

child=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    bash "$PG" stop || echo "with_pg: warning: could not stop the test cluster" >&2
    exit "$rc"
}
on_signal() {
    local sig="$1" code="$2"
    trap - INT TERM HUP
    if [[ -n "$child" ]]; then
        # Ctrl-C already reached the child through the terminal's process
        # group; other signals are passed on. Then let it finish its teardown.
        [[ "$sig" == INT ]] || kill -s "$sig" "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    exit "$code"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

bash "$PG" start
INFRASHARE_TEST_POSTGRES_URL="$(bash "$PG" url)"
export INFRASHARE_TEST_POSTGRES_URL
echo "with_pg: INFRASHARE_TEST_POSTGRES_URL=$INFRASHARE_TEST_POSTGRES_URL" >&2

# Run the command in the background and `wait` for it, so that our signal
# traps fire at once. Without job control bash would make a background
# command ignore SIGINT; `trap - INT QUIT` in the subshell restores the
# default, so Ctrl-C still interrupts pytest normally; <&0 keeps stdin
# (e.g. for pytest --pdb) instead of the /dev/null bash would give it.
( trap - INT QUIT; exec "$@" ) <&0 &
child=$!
set +e
wait "$child"
rc=$?
set -e
child=""
exit "$rc"
