#!/usr/bin/env bash
# The import benchmark of the import-engine issue: a 1M-row CSV (~80 MB,
# ~2% duplicate phones, national and international formats mixed, 3 agents,
# dates) into a campaign of an account that already holds 1M customers in
# other campaigns, with --unique move and --override, on SQLite.
#
#   bash bench/run.sh [ROWS]        (default 1000000; try 100000 first)
#
# It prints the time and peak memory (max RSS) of the import and its counts.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
out=bench/out
mkdir -p "$out"
go build -o "$out/callsheet" ./cmd/callsheet
go build -o "$out/gen" ./bench/gen

existing="$out/existing-$rows.csv"
upload="$out/upload-$rows.csv"
[ -f "$existing" ] || "$out/gen" -rows "$rows" -seed 1 -dup 0 -out "$existing"
# A third of the upload's phones are already in the account's other campaigns.
[ -f "$upload" ] || "$out/gen" -rows "$rows" -seed 2 -dup 0.02 -share-seed 1 -share 0.33 -out "$upload"
ls -l "$upload"

db="$out/bench-$rows.db"
base="$db.base"
if [ ! -f "$base" ]; then
	rm -f "$base" "$base"-*
	cs() { "$out/callsheet" "$@" --db "$base"; }
	cs account create --name Bench --country IL --timezone Asia/Jerusalem >/dev/null
	for c in "Old leads" "Webinar" "Target"; do cs campaign create --account Bench --name "$c" >/dev/null; done
	for a in "Dana Levi" "Yoav Katz" "רונית כהן"; do
		cs user create --account Bench --name "$a" --login "bench-$RANDOM-$RANDOM" --role agent --password benchpass1 >/dev/null
	done
	echo "preparing $rows existing customers in other campaigns..."
	cs import --account Bench --campaign "Old leads" --file "$existing" --json >/dev/null
fi
rm -f "$db" "$db"-*
cp "$base" "$db"

echo "importing $rows rows (unique=move, override) into SQLite..."
/usr/bin/time -f 'wall %e s, max RSS %M KB' "$out/callsheet" import --db "$db" --account Bench --campaign Target \
	--file "$upload" --unique move --override --json
