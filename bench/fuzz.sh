#!/usr/bin/env bash
# Runs each fuzz target of the readers (package sheet) in turn, for
# DURATION each, then checks a sample of what the fuzzer found into
# sheet/testdata/fuzz, so that `go test ./sheet` replays it as regression
# cases.
#
#   bash bench/fuzz.sh [DURATION] [TARGET...]     (default 10m, all targets)
#
# FUZZ_PARALLEL sets the fuzzing workers (default: one per CPU); FUZZ_KEEP
# how many corpus entries a target may hold in testdata (default 50).
#
# Go keeps the growing corpus in its cache, not in the repository, and
# writes only a failing input to testdata/fuzz/<Target>. Of the cache, the
# smallest entries are kept (small inputs are quick to replay and easy to
# read) until the target holds FUZZ_KEEP; a failing input is always left
# where Go wrote it, to be fixed before it is committed. Replay one with
#   go test ./sheet -run 'FuzzReadXLSX/<file name>'
set -uo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10m}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(FuzzReadCSV FuzzParseDate FuzzNormalizePhone FuzzSuggestMapping FuzzReadXLSX)
fi
keep=${FUZZ_KEEP:-50}
parallel=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then
	parallel=(-test.parallel "$FUZZ_PARALLEL")
fi
pkg=github.com/callsheet/callsheet/sheet
cache="$(go env GOCACHE)/fuzz/$pkg"
logs=$PWD/bench/out/fuzz
mkdir -p "$logs"

# One instrumented test binary serves every target: what
# `go test -fuzz` would build each time, built once. It runs in the
# package's directory, as go test runs it, with the cache go test uses.
bin="$logs/sheet.test"
go test -c -fuzz . -o "$bin" ./sheet || exit 1

summary=()
failed=0
for t in "${targets[@]}"; do
	log="$logs/$t.log"
	echo "== $t for $duration (log: $log)"
	(cd sheet && "$bin" -test.run '^$' -test.fuzz "^$t\$" -test.fuzztime "$duration" \
		-test.fuzzcachedir "$cache" "${parallel[@]}") >"$log" 2>&1
	rc=$?
	status=ok
	if [ $rc -ne 0 ]; then
		status=FAILED
		failed=1
		# Go names the failing input in its output.
		grep -E 'Failing input written to|--- FAIL|panic:|fuzz_test.go:[0-9]+:' "$log" | head -n 5 | sed 's/^/   /'
	fi
	# The last progress line holds the executions and the corpus size.
	progress=$(grep -E '^fuzz: elapsed.*execs:' "$log" | tail -n 1)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$progress")
	corpus=$(sed -nE 's/.*new interesting: [0-9]+ \(total: ([0-9]+)\).*/\1/p' <<<"$progress")

	dir="sheet/testdata/fuzz/$t"
	mkdir -p "$dir"
	have=$(find "$dir" -type f | wc -l)
	added=0
	if [ -d "$cache/$t" ]; then
		# Smallest first; names are content hashes, so a file already
		# checked in is skipped.
		while read -r _ file; do
			[ "$have" -lt "$keep" ] || break
			name=$(basename "$file")
			[ -e "$dir/$name" ] && continue
			cp "$file" "$dir/$name"
			have=$((have + 1))
			added=$((added + 1))
		done < <(find "$cache/$t" -type f -printf '%s %p\n' | sort -n)
	fi
	summary+=("$(printf '%-20s %-7s execs %-12s corpus %-6s kept %d (+%d)' "$t" "$status" "${execs:-?}" "${corpus:-?}" "$have" "$added")")
done

echo
printf '%s\n' "${summary[@]}"
exit $failed
