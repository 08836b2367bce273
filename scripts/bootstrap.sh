#!/usr/bin/env bash
# Idempotent set-up of a clone: Debian packages + .venv with pinned deps.
#
#   scripts/bootstrap.sh run   # what `make run` needs: requirements.txt
#   scripts/bootstrap.sh dev   # what `make test`/`bench`/`lint` need:
#                              # requirements-dev.txt and PostgreSQL 15 + PostGIS
#
# Fast when everything is already in place: Debian packages are checked with
# `dpkg -s` (apt-get update runs once, only if something is missing) and pip
# runs only when the hash of the requirements files differs from the stamp
# kept in .venv/.infrashare-requirements-<mode>.sha256.
#
# Environment:
#   PYTHON                      interpreter used to create .venv (default: Debian's
#                               /usr/bin/python3.11 when present, else python3)
#   INFRASHARE_SKIP_APT=1       do not check/install Debian packages
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

MODE="${1:-dev}"
# Debian's python3.11 is built with profile-guided and link-time optimisation; pyenv's
# default build (and many users' own) is not. The service runs ~9% less CPU on it (a
# PostGIS near list, interleaved bursts: bench/RESULTS.md), same 3.11 language and wheels.
DEBIAN_PYTHON=/usr/bin/python3.11
if [[ -z "${PYTHON:-}" && -x "$DEBIAN_PYTHON" ]]; then
    PYTHON="$DEBIAN_PYTHON"
fi
PYTHON="${PYTHON:-python3}"
VENV="$REPO_ROOT/.venv"
export DEBIAN_FRONTEND="${DEBIAN_FRONTEND:-noninteractive}"

log() { echo "bootstrap: $*" >&2; }
die() { echo "bootstrap: ERROR: $*" >&2; exit 1; }

case "$MODE" in
    run)
        APT_PACKAGES=(make libsqlite3-mod-spatialite)
        REQ_FILES=(requirements.txt)
        ;;
    dev|test)
        MODE=dev
        APT_PACKAGES=(make libsqlite3-mod-spatialite postgresql-15-postgis-3 postgresql-15-pgrouting
                      chromium fonts-noto-cjk gdal-bin wrk)
        REQ_FILES=(requirements.txt requirements-dev.txt)
        ;;
    *) echo "usage: $0 run|dev" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- Debian ---
pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

apt_install() {
    # $@: packages to install
    local -a SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO=(sudo DEBIAN_FRONTEND=noninteractive)
        else
            die "missing Debian packages: $*
  You are not root and sudo is not available. As root, run:
    apt-get update && apt-get install -y --no-install-recommends $*"
        fi
    fi
    log "installing Debian packages: $*"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

# A .venv made from another interpreter than the one chosen above (e.g. pyenv's, before
# Debian's was preferred) is remade from it: pip's cache makes that quick.
base_of() { "$1" -c 'import os, sys; print(os.path.realpath(sys._base_executable))' 2>/dev/null; }
if [[ -x "$VENV/bin/python" ]] && command -v "$PYTHON" >/dev/null 2>&1 \
        && [[ "$(base_of "$VENV/bin/python")" != "$(base_of "$(command -v "$PYTHON")")" ]]; then
    log "$VENV was made from $(base_of "$VENV/bin/python"); remaking it from $PYTHON"
    rm -rf -- "$VENV"
fi

if [[ "${INFRASHARE_SKIP_APT:-0}" != 1 ]]; then
    command -v dpkg-query >/dev/null 2>&1 || die "dpkg not found: this tooling targets Debian 12"
    missing=()
    for p in "${APT_PACKAGES[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    # Debian's own python3 needs python3-venv for `python3 -m venv` (ensurepip);
    # pyenv/python.org builds have it built in.
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 && [[ ! -x "$VENV/bin/python" ]]; then
        missing+=(python3-venv)
    fi
    if ((${#missing[@]})); then
        apt_install "${missing[@]}"
    fi
fi

# ------------------------------------------------------------------ venv ---
# A venv whose interpreter no longer runs (e.g. the base Python was removed)
# is useless: recreate it.
if [[ -e "$VENV" ]] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "$VENV is broken (its python does not run); recreating it"
    rm -rf -- "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set PYTHON=/path/to/python3.11)"
    log "creating $VENV with $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$PYTHON" -m venv "$VENV"
fi

hash_of() {
    # Hash of the requirement files' contents plus the venv's Python version,
    # so a different interpreter also triggers a re-install.
    { "$VENV/bin/python" -c 'import sys; print(sys.version)'; cat "$@"; } | sha256sum | awk '{print $1}'
}

stamp_file() { echo "$VENV/.infrashare-requirements-$1.sha256"; }

want="$(hash_of "${REQ_FILES[@]}")"
up_to_date=0
if [[ -f "$(stamp_file "$MODE")" && "$(<"$(stamp_file "$MODE")")" == "$want" ]]; then
    up_to_date=1
elif [[ "$MODE" == run && -f "$(stamp_file dev)" \
        && "$(<"$(stamp_file dev)")" == "$(hash_of requirements.txt requirements-dev.txt)" ]]; then
    # The dev set is a superset of the run set (requirements-dev.txt has -r requirements.txt).
    up_to_date=1
fi

if ((up_to_date)); then
    log "$VENV is up to date ($MODE)"
else
    req="${REQ_FILES[-1]}"
    log "installing $req into $VENV"
    rm -f -- "$(stamp_file "$MODE")"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q -r "$req"
    echo "$want" >"$(stamp_file "$MODE")"
    log "done ($MODE)"
fi
