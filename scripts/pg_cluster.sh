#!/usr/bin/env bash
# Private, throwaway PostgreSQL 15 + PostGIS cluster for tests and benchmarks.
#
#   scripts/pg_cluster.sh start   # (re)create and start a fresh cluster
#   scripts/pg_cluster.sh url     # print its SQLAlchemy URL
#   scripts/pg_cluster.sh status  # exit 0 if it is running
#   scripts/pg_cluster.sh stop    # stop it and delete its data
#
# The cluster lives in a fresh $(mktemp -d /tmp/infrashare-pg.XXXXXX) directory
# (the project directory may not be readable by the postgres user). It listens
# ONLY on a unix socket inside that directory (listen_addresses=''), never on
# TCP, and never touches a system-wide server. The path of that directory is
# recorded in $INFRASHARE_PG_STATE_DIR/datadir (default: <repo>/.pgtmp/datadir),
# so a stale cluster from a killed run is stopped and removed by the next
# `start` or `stop`.
#
# Running as root: initdb refuses root, so the server runs as the `postgres`
# user created by Debian's postgresql-common. Otherwise it runs as the
# current user.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${INFRASHARE_PG_BIN:-/usr/lib/postgresql/15/bin}"
STATE_DIR="${INFRASHARE_PG_STATE_DIR:-$REPO_ROOT/.pgtmp}"
STATE_FILE="$STATE_DIR/datadir"
PORT="${INFRASHARE_PG_PORT:-54329}"
DB_NAME="infrashare"
DB_USER="infrashare"

die() { echo "pg_cluster: $*" >&2; exit 1; }
log() { echo "pg_cluster: $*" >&2; }

if [[ $(id -u) -eq 0 ]]; then
    PG_OS_USER="postgres"
    id "$PG_OS_USER" >/dev/null 2>&1 \
        || die "user 'postgres' does not exist; run scripts/bootstrap.sh dev (installs postgresql-15-postgis-3)"
else
    PG_OS_USER="$(id -un)"
fi

# Run a command as the cluster owner, from inside the cluster dir (so that
# a cwd the postgres user cannot read does not matter) with a sane HOME.
as_owner() {
    local dir="$1"; shift
    if [[ $(id -u) -eq 0 ]]; then
        (cd "$dir" && runuser -u "$PG_OS_USER" -- env HOME="$dir" PGHOST="$dir" PGPORT="$PORT" "$@")
    else
        (cd "$dir" && env PGHOST="$dir" PGPORT="$PORT" "$@")
    fi
}

recorded_dir() {
    [[ -f "$STATE_FILE" ]] || return 1
    local d
    d="$(<"$STATE_FILE")"
    [[ -n "$d" ]] || return 1
    printf '%s\n' "$d"
}

# True if the postmaster recorded in $1/data/postmaster.pid is alive: the pid
# exists, is not a zombie and really is a postgres serving that data dir (after
# a reboot the pid may belong to an unrelated process: never signal that one).
is_running() {
    local dir="$1" pid state
    [[ -f "$dir/data/postmaster.pid" ]] || return 1
    pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/data"
}

# Stop the cluster in $1 (if running) and delete its directory.
teardown() {
    local dir="$1"
    # Refuse to rm anything that is not one of our mktemp directories.
    case "$dir" in
        /tmp/infrashare-pg.*|"${TMPDIR:-/tmp}"/infrashare-pg.*) ;;
        *) log "refusing to delete unexpected directory '$dir'"; return 0 ;;
    esac
    if [[ -d "$dir" ]]; then
        if is_running "$dir"; then
            log "stopping cluster in $dir"
            as_owner "$dir" "$PG_BIN/pg_ctl" -D "$dir/data" stop -m fast -w -t 30 >/dev/null \
                || as_owner "$dir" "$PG_BIN/pg_ctl" -D "$dir/data" stop -m immediate -w -t 30 >/dev/null \
                || log "warning: could not stop the server in $dir"
        fi
        rm -rf -- "$dir"
    fi
}

cmd_stop() {
    local dir
    if dir="$(recorded_dir)"; then
        teardown "$dir"
    fi
    rm -f -- "$STATE_FILE"
    rmdir -- "$STATE_DIR" 2>/dev/null || true
}

on_start_exit() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        log "start failed; cleaning up"
        cmd_stop
    fi
}

cmd_start() {
    [[ -x "$PG_BIN/initdb" ]] \
        || die "$PG_BIN/initdb not found; run scripts/bootstrap.sh dev (installs postgresql-15-postgis-3)"

    # A leftover from a killed run (or an earlier `start`): stop and remove it.
    if recorded_dir >/dev/null; then
        log "cleaning up previous cluster $(recorded_dir)"
        cmd_stop
    fi

    mkdir -p "$STATE_DIR"
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/infrashare-pg.XXXXXX")"
    # Record it at once, so a failure below is cleaned up by the next run.
    printf '%s\n' "$dir" >"$STATE_FILE"
    # If anything below fails, do not leave a half-started cluster around.
    trap on_start_exit EXIT

    # 0700 and owned by the server user: only that user (and root) can reach
    # the socket, which is why "trust" authentication is acceptable here.
    chmod 0700 "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$PG_OS_USER": "$dir"
    fi

    as_owner "$dir" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

    cat >>"$dir/data/postgresql.conf" <<EOF

# --- infrashare throwaway test cluster (scripts/pg_cluster.sh) ---
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
port = $PORT
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
logging_collector = off
EOF

    # setsid: keep the postmaster out of our process group, so a Ctrl-C in
    # the terminal reaches pytest but not the server; our trap stops it.
    as_owner "$dir" setsid "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { tail -n 50 "$dir/server.log" >&2 || true; die "pg_ctl start failed"; }

    as_owner "$dir" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres >/dev/null <<EOF
CREATE ROLE $DB_USER LOGIN SUPERUSER;
CREATE DATABASE $DB_NAME OWNER $DB_USER;
\\connect $DB_NAME
CREATE EXTENSION postgis;
EOF
    trap - EXIT
    log "started PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') + PostGIS in $dir (socket only, port $PORT)"
}

cmd_url() {
    local dir
    dir="$(recorded_dir)" || die "no cluster recorded in $STATE_FILE; run '$0 start' first"
    printf 'postgresql+psycopg://%s@/%s?host=%s&port=%s\n' "$DB_USER" "$DB_NAME" "$dir" "$PORT"
}

cmd_status() {
    local dir
    dir="$(recorded_dir)" || { echo "not running (no cluster recorded)"; return 1; }
    if is_running "$dir"; then
        echo "running in $dir"
    else
        echo "not running (stale record: $dir)"
        return 1
    fi
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    url)    cmd_url ;;
    status) cmd_status ;;
    *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
