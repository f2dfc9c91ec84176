#!/usr/bin/env bash
# From a fresh clone to a running CLOVA-compatible OCR service on the embedded default (SQLite and model
# files under this folder; no PostgreSQL, Redis or NATS needed):
#   1. install and verify the models (scripts/setup-models.sh),
#   2. build the `jikji` binary,
#   3. create a General OCR domain on first run (its invoke URL and secret are printed once),
#   4. run `jikji serve` on 127.0.0.1:8080 (Ctrl-C stops it gracefully); the web console is at
#      http://127.0.0.1:8080/console/ once a user exists (`jikji user create`, printed below).
# Extra arguments go to `jikji serve` (see `jikji serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-models.sh
cargo build --release -p jikji-cli
jikji=target/release/jikji
data=${JIKJI_DATA_DIR:-./data}
if [ "$("$jikji" domain list --data-dir "$data" --json 2>/dev/null | tr -d '[:space:]')" = "[]" ] || [ ! -e "$data/jikji.db" ]; then
  echo "quickstart: creating a General OCR domain (the secret is shown only now)"
  "$jikji" domain create --name demo --data-dir "$data"
fi
if [ "$("$jikji" user list --data-dir "$data" --json 2>/dev/null | tr -d '[:space:]')" = "[]" ]; then
  echo "quickstart: no console user yet. Create the first admin (asks for a password), then open"
  echo "            http://127.0.0.1:8080/console/ :"
  echo "  $jikji user create --username admin --role admin --data-dir $data"
fi
exec "$jikji" serve --data-dir "$data" "$@"
