#!/usr/bin/env bash
# The import benchmark of the import-engine issue, on both engines.
#
# A CSV as Google Sheets exports it (~2% duplicate phones, national and
# international formats mixed, 3 agents, dates) goes into a campaign of an
# account that already holds as many customers in other campaigns, a third
# of them with the file's phones, with --unique move and --override. The
# pre-import (those existing customers, plain adds into an empty campaign)
# is timed too. For each engine it prints the medians of RUNS runs: every
# phase, the whole import, rows a second, peak memory (max RSS), and the
# ratio to the engine's raw insert limit measured in the same run: the
# sqlite3 CLI's .import, or psql's \copy, of the same file into a table
# with two indexes.
#
#   bash bench/run.sh [ROWS] [RUNS]          (default 1000000 3; try 100000 1 first)
#   ENGINES="sqlite" bash bench/run.sh ...   (default "sqlite postgres")
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-3}
engines=${ENGINES:-sqlite postgres}
out=bench/out
mkdir -p "$out"
go build -o "$out/callsheet" ./cmd/callsheet
go build -o "$out/gen" ./bench/gen
command -v sqlite3 >/dev/null || { echo "bench needs the sqlite3 CLI (apt-get install sqlite3)" >&2; exit 1; }

existing="$out/existing-$rows.csv"
upload="$out/upload-$rows.csv"
[ -f "$existing" ] || "$out/gen" -rows "$rows" -seed 1 -dup 0 -out "$existing"
[ -f "$upload" ] || "$out/gen" -rows "$rows" -seed 2 -dup 0.02 -share-seed 1 -share 0.33 -out "$upload"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $rows rows ($(du -m "$upload" | cut -f1) MB), median of $runs"

pg=postgres://postgres@127.0.0.1:5432
export PGOPTIONS="-c client_min_messages=warning"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# timed CMD...: runs the command, appends "phase seconds" lines (from
# --timings), "wall S" and "rss KB" to $log.
timed() {
	/usr/bin/time -f 'wall %e\nrss %M' -o "$log.time" "$@" --timings >"$log.out" 2>"$log.err"
	sed -nE 's/^  (.*[^ ]) +([0-9.]+) s$/\1\t\2/p' "$log.err" >>"$log"
	tr ' ' '\t' <"$log.time" >>"$log"
}

raw_limit() {
	local engine=$1 t0 t1
	t0=$(date +%s.%N)
	if [ "$engine" = sqlite ]; then
		rm -f "$out/raw.db"
		sqlite3 "$out/raw.db" 'CREATE TABLE c (name, last_name, phone, email, agent, follow_up, created, source, note);' \
			'CREATE INDEX c_phone ON c (phone);' 'CREATE INDEX c_name ON c (name);' ".import --csv --skip 1 $upload c"
		rm -f "$out/raw.db"
	else
		psql -q "$pg/callsheet_raw" -c 'CREATE TABLE c (name text, last_name text, phone text, email text, agent text, follow_up text, created text, source text, note text)' \
			-c 'CREATE INDEX c_phone ON c (phone)' -c 'CREATE INDEX c_name ON c (name)' -c "\\copy c FROM '$upload' CSV HEADER"
	fi
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

for engine in $engines; do
	if [ "$engine" = postgres ] && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
		echo "== postgres: not running at 127.0.0.1:5432, skipped"
		continue
	fi
	log="$out/run-$engine.log"
	: >"$log.all"
	for run in $(seq 1 "$runs"); do
		# A fresh account each run: the pre-import, then the main import.
		if [ "$engine" = sqlite ]; then
			db="$out/bench-$rows.db"
			rm -f "$db" "$db"-*
		else
			psql -q "$pg/postgres" -c 'DROP DATABASE IF EXISTS callsheet_bench' -c 'CREATE DATABASE callsheet_bench'
			db="$pg/callsheet_bench?sslmode=disable"
		fi
		cs() { "$out/callsheet" "$@" --db "$db"; }
		cs account create --name Bench --country IL --timezone Asia/Jerusalem >/dev/null
		for c in "Old leads" "Webinar" "Target"; do cs campaign create --account Bench --name "$c" >/dev/null; done
		for a in "Dana Levi" "Yoav Katz" "רונית כהן"; do
			cs user create --account Bench --name "$a" --login "bench-$RANDOM-$RANDOM" --role agent --password benchpass1 >/dev/null
		done
		: >"$log"
		timed "$out/callsheet" import --db "$db" --account Bench --campaign "Old leads" --file "$existing" --json
		sed 's/^/pre\t/' "$log" >>"$log.all"
		: >"$log"
		timed "$out/callsheet" import --db "$db" --account Bench --campaign Target --file "$upload" --unique move --override --json
		sed 's/^/main\t/' "$log" >>"$log.all"
		cp "$log.out" "$out/counts-$engine.json"
		[ "$engine" = postgres ] && psql -q "$pg/postgres" -c 'DROP DATABASE IF EXISTS callsheet_raw' -c 'CREATE DATABASE callsheet_raw'
		echo "raw	raw	$(raw_limit "$engine")" >>"$log.all"
		[ "$engine" = postgres ] && psql -q "$pg/postgres" -c 'DROP DATABASE callsheet_raw' -c 'DROP DATABASE callsheet_bench'
	done

	echo
	echo "== $engine   counts: $(cat "$out/counts-$engine.json")"
	printf '| %-34s | %10s |\n' "main import phase" "seconds"
	printf '|%s|%s|\n' "------------------------------------" "------------"
	# Phases in the order the import ran them.
	awk -F'\t' '$1=="main" && $2!="wall" && $2!="rss" && !seen[$2]++ {print $2}' "$log.all" | while IFS= read -r phase; do
		printf '| %-34s | %10.2f |\n' "$phase" "$(awk -F'\t' -v p="$phase" '$1=="main" && $2==p {print $3}' "$log.all" | median)"
	done
	main=$(awk -F'\t' '$1=="main" && $2=="wall" {print $3}' "$log.all" | median)
	pre=$(awk -F'\t' '$1=="pre" && $2=="wall" {print $3}' "$log.all" | median)
	rss=$(awk -F'\t' '$1=="main" && $2=="rss" {print $3}' "$log.all" | sort -g | tail -1)
	raw=$(awk -F'\t' '$1=="raw" {print $3}' "$log.all" | median)
	printf '| %-34s | %10.2f |\n' "main import (wall)" "$main"
	echo
	printf '%s: main import %.1f s (%.0f rows/s), pre-import %.1f s (%.0f rows/s), peak RSS %d MB, raw limit %.1f s, main/raw %.2fx\n' \
		"$engine" "$main" "$(echo "$rows / $main" | bc -l)" "$pre" "$(echo "$rows / $pre" | bc -l)" "$((rss / 1024))" "$raw" "$(echo "$main / $raw" | bc -l)"
done
