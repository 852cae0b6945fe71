#!/usr/bin/env bash
# Province-scale benchmark of the web application (BENCHMARKS.md, "Province scale").
#
#   tools/loadtest.sh [sqlite|postgres|both]      (default both)
#
# Builds the province demo (5,000 schools, ~400,000 teachers, 777 communities) once per backend
# (SQLite under $DATA/sqlite, PostgreSQL database gongjin_bench on 127.0.0.1), starts the release
# server, logs in as the province's (hubei_admin) and a county's (zengdu_admin) bureau administrator,
# requests every read below once cold (the figures cache empty: the first request after a write)
# and once warm, then the ten most used under load (wrk, 32 connections, 20 s each) and /healthz as
# the ceiling, all in one run. Needs: cargo build --release, wrk (apt-get install wrk), curl.
# REBUILD=1 reloads the demo even when the data are there.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/gongjin}
DATA=${DATA:-/tmp/gongjin-bench}
PORT=${PORT:-18090}
DURATION=${DURATION:-20s}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/gongjin_bench}
which=${1:-both}
[ -x "$BIN" ] || { echo "build first: cargo build --release ($BIN missing)"; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk"; exit 2; }
mkdir -p "$DATA"
base="http://127.0.0.1:$PORT"

# Sidebar pages and API reads; {R} is the caller's region id, {C} a community of it.
READS=(
  "/" "/schools" "/teachers" "/teachers?q=%E7%8E%8B%E4%BC%9F" "/communities" "/exchanges" "/quotas" "/mentorships"
  "/meetings" "/activities" "/sync-lessons" "/support" "/courses" "/resources" "/pairings"
  "/student-events" "/help-groups" "/hardship-fund" "/unified-tests" "/projects" "/assessment"
  "/assessment/ranking" "/balance" "/plan/communities" "/import" "/users" "/audit" "/map"
  "/api/v1/regions/{R}/dashboard" "/api/v1/assessments/ranking?region_id={R}"
  "/api/v1/development-index?region_id={R}" "/api/v1/quotas?region_id={R}"
  "/api/v1/coverage?region_id={R}" "/api/v1/balance?region_id={R}" "/api/v1/schools"
  "/api/v1/teachers" "/api/v1/teachers?q=%E7%8E%8B%E4%BC%9F" "/api/v1/communities" "/api/v1/exchanges"
  "/api/v1/activities" "/api/v1/sync-lessons" "/api/v1/audit"
)
# The ten most used (the home page, lists and searches).
HOT=(
  "/" "/api/v1/regions/{R}/dashboard" "/teachers" "/teachers?q=%E7%8E%8B%E4%BC%9F" "/api/v1/teachers?q=%E7%8E%8B%E4%BC%9F"
  "/schools" "/exchanges" "/activities" "/communities" "/api/v1/quotas?region_id={R}"
)

server_pid=""
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=""; }
trap stop_server EXIT

start_server() { # args: database flags
  stop_server
  "$BIN" serve --addr "127.0.0.1:$PORT" "$@" >"$DATA/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do curl -sf "$base/healthz" >/dev/null && return 0; sleep 0.5; done
  echo "server did not start"; cat "$DATA/server.log"; exit 1
}

login() { # user → cookie header value
  local jar; jar=$(mktemp)
  curl -s -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"gongjin-demo\"}" "$base/api/v1/auth/login" >/dev/null
  awk '$6 == "gongjin_session" { print "gongjin_session=" $7 }' "$jar"
  rm -f "$jar"
}

ms() { # cookie uri → "status milliseconds"
  curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Cookie: $1" "$base$2" | awk '{ printf "%s %.1f", $1, $2 * 1000 }'
}

bump() { # an audited write, so the next reads find the figures cache stale (cold)
  curl -s -o /dev/null -H "Cookie: $1" -H 'Content-Type: application/json' -X PUT \
    -d "$2" "$base/api/v1/regions/$3/coverage-targets"
}

run_backend() { # name, database flags…
  local name=$1; shift
  echo "## $name"
  start_server "$@"
  local admin county
  admin=$(login hubei_admin); county=$(login zengdu_admin)
  local R_P R_C targets_p targets_c
  R_P=$(curl -s -H "Cookie: $admin" "$base/api/v1/regions?q=%E6%B9%96%E5%8C%97%E7%9C%81" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  R_C=$(curl -s -H "Cookie: $county" "$base/api/v1/regions?q=%E6%9B%BE%E9%83%BD%E5%8C%BA" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  targets_p=$(curl -s -H "Cookie: $admin" "$base/api/v1/regions/$R_P/coverage-targets")
  targets_c=$(curl -s -H "Cookie: $county" "$base/api/v1/regions/$R_C/coverage-targets")
  printf '| who | request | status | cold ms | warm ms |\n|---|---|---|---|---|\n'
  for who in province county; do
    local cookie R targets
    if [ $who = province ]; then cookie=$admin; R=$R_P; targets=$targets_p; else cookie=$county; R=$R_C; targets=$targets_c; fi
    for r in "${READS[@]}"; do
      local uri=${r//\{R\}/$R}
      bump "$cookie" "$targets" "$R"
      read -r st cold <<<"$(ms "$cookie" "$uri")"
      read -r _ warm <<<"$(ms "$cookie" "$uri")"
      printf '| %s | `%s` | %s | %s | %s |\n' "$who" "$uri" "$st" "$cold" "$warm"
    done
  done
  echo
  echo "Under load: wrk -t2 -c32 -d$DURATION, province administrator (warm figures)."
  printf '| request | req/s | p50 ms | p99 ms | share of /healthz |\n|---|---|---|---|---|\n'
  local ceiling
  ceiling=$(wrk -t2 -c32 -d"$DURATION" --timeout 10s --latency "$base/healthz" | awk '/Requests\/sec/ { print $2 }')
  printf '| `/healthz` | %s | | | 100%% |\n' "$ceiling"
  for r in "${HOT[@]}"; do
    local uri=${r//\{R\}/$R_P}
    local out; out=$(wrk -t2 -c32 -d"$DURATION" --timeout 10s --latency -H "Cookie: $admin" "$base$uri")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    printf '| `%s` | %s | %s | %s | %.1f%% |\n' "$uri" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { print 100 * a / b }')"
  done
  stop_server
  echo
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  dir="$DATA/sqlite"
  if [ -n "${REBUILD:-}" ] || [ ! -f "$dir/gongjin.db" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    time "$BIN" demo --scale province --data-dir "$dir"
  fi
  run_backend "SQLite" --data-dir "$dir"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  if [ -n "${REBUILD:-}" ] || ! psql "$PG_URL" -Atc 'select 1 from schools limit 1' >/dev/null 2>&1; then
    psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS gongjin_bench WITH (FORCE)' -c 'CREATE DATABASE gongjin_bench'
    time "$BIN" demo --scale province --data-dir "$DATA/pg" --database-url "$PG_URL"
  fi
  run_backend "PostgreSQL" --data-dir "$DATA/pg" --database-url "$PG_URL"
fi
