#!/usr/bin/env bash
# The API's load figures, measured as clients meet them: the built binary
# serving on loopback, and bench/load, a separate process, adding customers
# over HTTP. For each engine (SQLite, and PostgreSQL when it answers at
# 127.0.0.1:5432) it prints single adds with 1 and 16 clients, single adds
# due 500 times a second, and batches of 1,000 with 4 clients.
#
#   bash bench/api.sh [SECONDS]      (default 20 per scenario)
#   ENGINES=postgres bash bench/api.sh ...   (default "sqlite postgres")
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
engines=${ENGINES:-sqlite postgres}
out=bench/out/api
mkdir -p "$out"
go build -o "$out/callsheet" ./cmd/callsheet
go build -o "$out/load" ./bench/load
pg=postgres://postgres@127.0.0.1:5432
port=18480
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; true' EXIT

run_engine() {
	local engine=$1 db=$2
	local cs="$out/callsheet"
	"$cs" migrate --db "$db" >/dev/null
	"$cs" account create --db "$db" --name Load --country IL --timezone Asia/Jerusalem >/dev/null
	"$cs" campaign create --db "$db" --account Load --name Leads >/dev/null
	local token
	token=$("$cs" token create --db "$db" --account Load --name load | tail -1)
	local camp
	camp=$("$cs" campaign list --db "$db" --account Load --json | grep -m1 '"id"' | tr -dc 0-9)
	"$cs" serve --db "$db" --addr 127.0.0.1:$port --api-rate 100000000 >"$out/serve-$engine.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
	local l=("$out/load" -url http://127.0.0.1:$port -token "$token" -campaign "$camp" -duration "${secs}s")
	echo "== $engine"
	"${l[@]}" -clients 1 -first 0
	"${l[@]}" -clients 16 -first 1000000
	"${l[@]}" -clients 64 -rate 500 -first 2000000
	"${l[@]}" -clients 4 -batch 1000 -first 3000000
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}

if [[ " $engines " == *" sqlite "* ]]; then
	rm -f "$out/load.db" "$out/load.db"-*
	run_engine sqlite "$out/load.db"
fi
if [[ " $engines " != *" postgres "* ]]; then
	:
elif pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
	psql "$pg/postgres" -qc 'DROP DATABASE IF EXISTS callsheet_load' -qc 'CREATE DATABASE callsheet_load' >/dev/null
	run_engine postgres "$pg/callsheet_load?sslmode=disable"
	psql "$pg/postgres" -qc 'DROP DATABASE IF EXISTS callsheet_load' >/dev/null
else
	echo "== postgres: not running at 127.0.0.1:5432, skipped"
fi
