#!/usr/bin/env bash
# Load test: 200 respondents answering the diagnostic at the same time, on loopback,
# against gunicorn + PostgreSQL with production settings (BALISE_DEBUG=0).
#
#   bench/load/run.sh            from the repository root, after `make .venv/.synced`
#
# It (re)creates a dedicated database, migrates it, seeds one office, an open campaign of
# the shipped questionnaire and LOAD_INVITATIONS personal links, starts gunicorn, runs
# locust headless for LOAD_DURATION, then prints p50/p95/p99 and the error count, and
# checks in the database that every respondent who finished has a completed response
# holding every answer it posted. Exit status 1 when the budget (p95 <= 300 ms, zero
# errors) or the database check fails.
#
# Settings (environment): LOAD_USERS (200), LOAD_SPAWN_RATE (20/s), LOAD_DURATION (60s),
# LOAD_INVITATIONS (1000), LOAD_WAIT_MIN / LOAD_WAIT_MAX (10 / 30 s to answer a page),
# LOAD_PORT (8765), LOAD_GUNICORN_WORKERS (4), LOAD_GUNICORN_THREADS (4),
# LOAD_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), LOAD_DB (balise_load).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
USERS=${LOAD_USERS:-200}
SPAWN_RATE=${LOAD_SPAWN_RATE:-20}
DURATION=${LOAD_DURATION:-60s}
INVITATIONS=${LOAD_INVITATIONS:-1000}
PORT=${LOAD_PORT:-8765}
WORKERS=${LOAD_GUNICORN_WORKERS:-4}
THREADS=${LOAD_GUNICORN_THREADS:-4}
ADMIN_URL=${LOAD_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=${LOAD_DB:-balise_load}
OUT="$ROOT/var/load"

mkdir -p "$OUT"
rm -f "$OUT"/summary.json "$OUT"/*tokens.txt "$OUT"/locust_*.csv "$OUT"/gunicorn.log

# Production settings, plain HTTP on loopback (TLS would end at the reverse proxy).
export DATABASE_URL="${ADMIN_URL%/*}/$DB"
export BALISE_DEBUG=0
BALISE_SECRET_KEY=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))")
export BALISE_SECRET_KEY
export BALISE_ALLOWED_HOSTS=127.0.0.1
export BALISE_SSL_REDIRECT=0
export BALISE_VAR_DIR="$OUT"
export BALISE_SITE_URL="http://127.0.0.1:$PORT"
export BALISE_LOG_LEVEL=WARNING
export BALISE_DB_CONN_MAX_AGE=600
# Behind one reverse proxy: the client address is the X-Forwarded-For that locust sets,
# one per respondent (the respondent pages limit each address to 300 saves a minute).
export BALISE_PROXY_COUNT=1

echo "== database $DB (recreated)"
dropdb --if-exists --maintenance-db="$ADMIN_URL" "$DB"
createdb --maintenance-db="$ADMIN_URL" "$DB"
.venv/bin/balise migrate --noinput -v 0
.venv/bin/balise collectstatic --noinput -v 0
.venv/bin/python bench/load/seed.py seed --invitations "$INVITATIONS" --tokens "$OUT/tokens.txt"
head -n 8 "$OUT/tokens.txt" >"$OUT/warmup-tokens.txt"  # warm-up links, kept out of the test
tail -n +9 "$OUT/tokens.txt" >"$OUT/respondent-tokens.txt"

echo "== gunicorn: $WORKERS workers x $THREADS threads on 127.0.0.1:$PORT"
.venv/bin/gunicorn balise.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --worker-class gthread --threads "$THREADS" --backlog 2048 --timeout 60 --keep-alive 10 \
  --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  if curl -fsS "http://127.0.0.1:$PORT/sante/" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/sante/" >/dev/null

# Warm-up, as a server that has been running for a while is: each worker's first request
# imports the views, compiles the templates and opens its database connections (2-3 s).
echo "== warm-up: concurrent requests on 8 links kept out of the test"
for _ in 1 2 3; do
  pids=()
  while read -r token; do
    for page in "" profil/ terminer/; do
      curl -s -o /dev/null -H "X-Forwarded-Proto: https" \
        "http://127.0.0.1:$PORT/r/$token/$page" &
      pids+=($!)
    done
  done <"$OUT/warmup-tokens.txt"
  wait "${pids[@]}"
done

echo "== machine: $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== locust: $USERS respondents (spawn $SPAWN_RATE/s), $DURATION of arrivals, then they finish"
LOAD_TOKENS="$OUT/respondent-tokens.txt" LOAD_SUMMARY="$OUT/summary.json" \
  .venv/bin/locust -f bench/load/locustfile.py --headless --only-summary \
  --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$DURATION" --stop-timeout 900 \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --loglevel WARNING \
  || true # the verdict is ours, below
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"

STATUS=0
.venv/bin/python - "$OUT/summary.json" <<'PY' || STATUS=1
import json, sys

s = json.load(open(sys.argv[1]))
print(f"respondents: {s['respondents_started']} started, {s['respondents_finished']} finished"
      f" in {s['duration_s']} s")
print(f"requests: {s['requests']}  ({s['rps']} req/s)  failures: {s['failures']}")
print(f"response time: p50 {s['p50_ms']:.0f} ms  p95 {s['p95_ms']:.0f} ms"
      f"  p99 {s['p99_ms']:.0f} ms  max {s['max_ms']} ms")
for name, page in s["by_page"].items():
    print(f"  {name:32} {page['requests']:6}  p50 {page['p50_ms']:5.0f}  p95 {page['p95_ms']:5.0f}"
          f"  p99 {page['p99_ms']:5.0f}  failures {page['failures']}")
for error in s["errors"]:
    print(f"  error x{error['count']}: {error['name']}: {error['error']}")
ok = s["p95_ms"] <= 300 and s["failures"] == 0 and s["respondents_finished"] > 0
print("budget (p95 <= 300 ms, zero errors):", "OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY
.venv/bin/python bench/load/seed.py verify --summary "$OUT/summary.json" || STATUS=1
exit $STATUS
