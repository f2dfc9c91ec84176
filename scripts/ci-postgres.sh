#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with trust auth and has a database `test`,
# for the jikji-store test suite (which then runs with JIKJI_REQUIRE_POSTGRES=1 in CI).
#
#   1. Already answering (pg_isready)?  Leave the server alone; only check that
#      passwordless access works and create the database if it is missing.
#   2. A cluster installed but stopped?  Start it with pg_ctlcluster.
#   3. Nothing installed?  apt-get install postgresql, make sure a cluster exists,
#      set trust auth for local and 127.0.0.1/::1 connections, start it.
# Then create the database. Idempotent: running it again changes nothing. Debian/Ubuntu
# (postgresql-common) only. Needs root (or sudo) for steps 2 and 3.
#
# Environment (defaults in brackets): PGHOST [127.0.0.1], PGPORT [5432],
# JIKJI_PG_CLUSTER [main], JIKJI_PG_DATABASE [test].
set -euo pipefail

HOST=${PGHOST:-127.0.0.1}
PORT=${PGPORT:-5432}
CLUSTER=${JIKJI_PG_CLUSTER:-main}
DB=${JIKJI_PG_DATABASE:-test}

log() { echo "ci-postgres: $*"; }
die() { echo "ci-postgres: error: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi

ready() { pg_isready -q -h "$HOST" -p "$PORT" >/dev/null 2>&1; }

wait_ready() {
    for _ in $(seq 1 60); do
        ready && return 0
        sleep 0.5
    done
    return 1
}

# Installed server versions, newest last.
versions() { ls /etc/postgresql 2>/dev/null | sort -V || true; }

# Version of our cluster (the newest version that has it), or nothing.
cluster_version() {
    local v found=""
    for v in $(versions); do
        [ -f "/etc/postgresql/$v/$CLUSTER/postgresql.conf" ] && found=$v
    done
    echo "$found"
}

psql_ok() { psql -h "$HOST" -p "$PORT" -U postgres -w -d postgres -Atqc "$1" 2>/dev/null; }

# Put trust lines for local, 127.0.0.1 and ::1 at the top of pg_hba.conf (once), reload.
ensure_trust() {
    local v=$1 hba="/etc/postgresql/$1/$CLUSTER/pg_hba.conf"
    [ -f "$hba" ] || die "no $hba"
    if grep -q '^# jikji ci-postgres: trust' "$hba"; then
        log "trust auth already configured in $hba"
        return
    fi
    log "configuring trust auth for local and loopback connections in $hba"
    local tmp
    tmp=$(mktemp)
    {
        echo "# jikji ci-postgres: trust (test server only; do not use in production)"
        echo "local all all trust"
        echo "host  all all 127.0.0.1/32 trust"
        echo "host  all all ::1/128 trust"
        cat "$hba"
    } >"$tmp"
    "${SUDO[@]}" cp "$tmp" "$hba"
    rm -f "$tmp"
    if ready; then
        "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$v" "$CLUSTER" reload
        sleep 1
        log "reloaded cluster $v/$CLUSTER"
    fi
}

start_cluster() {
    local v=$1
    log "starting cluster $v/$CLUSTER"
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$v" "$CLUSTER" start \
        || die "pg_ctlcluster $v $CLUSTER start failed (see /var/log/postgresql/postgresql-$v-$CLUSTER.log)"
    wait_ready || die "cluster $v/$CLUSTER started but $HOST:$PORT does not answer"
}

if ready; then
    log "PostgreSQL already answers at $HOST:$PORT; leaving the server as it is"
    if ! psql_ok "SELECT 1" >/dev/null; then
        v=$(cluster_version)
        [ -n "$v" ] || die "$HOST:$PORT answers but refuses passwordless login as postgres, and no local cluster $CLUSTER to configure"
        ensure_trust "$v"
    fi
else
    v=$(cluster_version)
    if [ -z "$v" ]; then
        if [ -z "$(versions)" ]; then
            log "no PostgreSQL installed; installing with apt-get"
            export DEBIAN_FRONTEND=noninteractive
            "${SUDO[@]}" apt-get update -qq
            "${SUDO[@]}" apt-get install -y -qq postgresql >/dev/null
        fi
        v=$(cluster_version)
        if [ -z "$v" ]; then
            nv=$(versions | tail -n 1)
            [ -n "$nv" ] || die "postgresql installed but no server version found in /etc/postgresql"
            log "creating cluster $nv/$CLUSTER on port $PORT"
            "${SUDO[@]}" pg_createcluster "$nv" "$CLUSTER" --port "$PORT" -- --auth-local=trust --auth-host=trust >/dev/null
            v=$nv
        fi
    fi
    if ready; then
        # Package installation may have started it already.
        log "cluster $v/$CLUSTER is running"
    else
        start_cluster "$v"
    fi
    psql_ok "SELECT 1" >/dev/null || ensure_trust "$v"
fi

psql_ok "SELECT 1" >/dev/null || die "cannot log in to $HOST:$PORT as postgres without a password"
if [ "$(psql_ok "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = "1" ]; then
    log "database $DB exists"
else
    psql_ok "CREATE DATABASE \"$DB\"" >/dev/null || die "could not create database $DB"
    log "created database $DB"
fi
log "ready: postgres://postgres@$HOST:$PORT/$DB"
