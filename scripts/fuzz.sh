#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libFuzzer targets of fuzz/ (built by `make fuzz-build` and
# `make fuzz-build-cov`, see fuzz/fuzz.mk).
#
# Usage: scripts/fuzz.sh smoke SECONDS   each target from the committed
#                                        corpus only (make check)
#        scripts/fuzz.sh run SECONDS     each target from the committed and
#                                        the scratch corpus (make fuzz)
#        scripts/fuzz.sh coverage        line/region coverage of the five
#                                        core files over every corpus
#
# Per target, inputs come from fuzz/corpus/<t>/ (seeds, committed) and
# fuzz/regress/<t>/ (inputs that once failed, committed; each is run first).
# New inputs go to $FUZZ_DIR/corpus/<t>/ (run; kept between runs) or to a
# fresh $FUZZ_DIR/smoke/<t>/ (smoke). A failing input is saved under
# $FUZZ_DIR/artifacts/<t>/ and the run fails; the log is $FUZZ_DIR/logs/.
# Each target prints its executions; `run` and `smoke` end with a table.
#
# Environment: FUZZ_DIR (default build/fuzz), FUZZ_TARGETS (default: all),
# FUZZ_JOBS (targets run at once, default: the host's cores),
# FUZZ_LLVM_SUFFIX (default -14: llvm-profdata-14, llvm-cov-14).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
FUZZ_DIR=${FUZZ_DIR:-$ROOT/build/fuzz}
read -r -a targets <<<"${FUZZ_TARGETS:-wire report change slist}"
llvm=${FUZZ_LLVM_SUFFIX--14}
core=(module/wire.c module/report.c module/change.c module/filter.c
	module/slist.c)

die() {
	printf 'fuzz.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	mchost_usage
	exit 2
}

# The committed input directories of target $1 that exist.
committed() {
	local d
	for d in "$ROOT/fuzz/corpus/$1" "$ROOT/fuzz/regress/$1"; do
		[[ -d $d ]] && printf '%s\n' "$d"
	done
	return 0
}

# The core files target $1 is written for.
target_files() {
	case $1 in
	wire) echo module/wire.c ;;
	report) echo module/report.c ;;
	change) echo module/change.c ;;
	slist) printf '%s\n' module/slist.c module/filter.c ;;
	*) printf '%s\n' "${core[@]}" ;;
	esac
}

# stat NAME LOG: a libFuzzer -print_final_stats value.
stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

# fuzz MODE SECONDS TARGET: one libFuzzer session; writes its line of the
# table to $summary/TARGET.
fuzz() {
	local mode=$1 secs=$2 t=$3 bin scratch log art rc=0 dirs=() f
	bin=$FUZZ_DIR/fuzz-$t
	[[ -x $bin ]] || die "$bin is not built (make fuzz-build)"
	log=$FUZZ_DIR/logs/$mode-$t.log
	art=$FUZZ_DIR/artifacts/$t
	if [[ $mode == smoke ]]; then
		scratch=$FUZZ_DIR/smoke/$t
		rm -rf -- "$scratch"
	else
		scratch=$FUZZ_DIR/corpus/$t
	fi
	mkdir -p -- "$scratch" "$art" "$FUZZ_DIR/logs"
	mapfile -t dirs < <(committed "$t")

	# Every regression input once, by name, so a failure names it.
	if [[ -d $ROOT/fuzz/regress/$t ]]; then
		for f in "$ROOT/fuzz/regress/$t"/*; do
			[[ -f $f ]] || continue
			"$bin" "$f" >"$log" 2>&1 ||
				die "$t: regression input $f fails (log: $log)"
		done
	fi

	printf '== fuzz %s: %s s from %s\n' "$t" "$secs" "${dirs[*]#"$ROOT/"}"
	"$bin" -max_total_time="$secs" -timeout=10 -max_len=4096 \
		-use_value_profile=1 -print_final_stats=1 \
		-artifact_prefix="$art/" "$scratch" "${dirs[@]}" \
		>"$log" 2>&1 || rc=$?
	if ((rc != 0)); then
		grep -E 'check failed|ERROR|SUMMARY|Test unit written' "$log" >&2 || true
		die "$t: failed (rc $rc); input saved in $art/, log $log"
	fi
	printf '%-8s %12s execs %8s/s %6s inputs in corpus, %s new\n' "$t" \
		"$(stat number_of_executed_units "$log")" \
		"$(stat average_exec_per_sec "$log")" \
		"$(find "$scratch" "${dirs[@]}" -type f | wc -l)" \
		"$(stat new_units_added "$log")" | tee "$summary/$t"
}

# run MODE SECONDS: every target for SECONDS, FUZZ_JOBS of them at a time
# (default: one per host core; each libFuzzer session is one process), so
# that the wall time is SECONDS per wave, not per target.
run() {
	local mode=$1 secs=$2 jobs=${FUZZ_JOBS:-$(nproc)} t i i2 rc=0
	local -a pids=() names=()
	[[ $secs =~ ^[0-9]+$ && $jobs =~ ^[1-9][0-9]*$ ]] || usage
	summary=$(mktemp -d)
	trap 'rm -rf -- "$summary"' EXIT
	for ((i = 0; i < ${#targets[@]}; i += jobs)); do
		pids=() names=()
		for t in "${targets[@]:i:jobs}"; do
			fuzz "$mode" "$secs" "$t" &
			pids+=($!) names+=("$t")
		done
		for i2 in "${!pids[@]}"; do
			wait "${pids[i2]}" || { rc=1; printf 'fuzz.sh: %s failed\n' "${names[i2]}" >&2; }
		done
	done
	((rc == 0)) || exit 1
	printf '== fuzz %s: %s s per target, %s at a time\n' "$mode" "$secs" "$jobs"
	for t in "${targets[@]}"; do
		cat -- "$summary/$t"
	done
}

coverage() {
	local t bin dir prof=$FUZZ_DIR/cov/profiles objs=() inputs f n
	command -v "llvm-profdata$llvm" >/dev/null ||
		die "llvm-profdata$llvm missing (scripts/deps.sh installs llvm-14)"
	rm -rf -- "$prof"
	mkdir -p -- "$prof"
	for t in "${targets[@]}"; do
		bin=$FUZZ_DIR/cov/fuzz-$t
		[[ -x $bin ]] || die "$bin is not built (make fuzz-build-cov)"
		# Every input of every corpus, once each (-runs=0 only loads).
		inputs=$(mktemp -d)
		n=0
		for dir in "$FUZZ_DIR/corpus/$t" $(committed "$t"); do
			[[ -d $dir ]] || continue
			for f in "$dir"/*; do
				[[ -f $f ]] || continue
				n=$((n + 1))
				ln -s -- "$f" "$inputs/$n"
			done
		done
		LLVM_PROFILE_FILE="$prof/$t.profraw" "$bin" -runs=0 "$inputs" \
			>"$FUZZ_DIR/logs/coverage-$t.log" 2>&1 ||
			die "$t: coverage run failed (log $FUZZ_DIR/logs/coverage-$t.log)"
		rm -rf -- "$inputs"
		printf '%-8s %6s inputs run\n' "$t" "$n"
		objs+=(-object "$bin")
	done
	"llvm-profdata$llvm" merge -sparse -o "$prof/all.profdata" "$prof"/*.profraw
	printf '== coverage per target, of the files it is written for\n'
	for t in "${targets[@]}"; do
		"llvm-profdata$llvm" merge -sparse -o "$prof/$t.profdata" "$prof/$t.profraw"
		# shellcheck disable=SC2046 # one word per file
		(cd "$ROOT" && "llvm-cov$llvm" report -instr-profile="$prof/$t.profdata" \
			"$FUZZ_DIR/cov/fuzz-$t" $(target_files "$t")) |
			awk -v t="$t" -v f="$(target_files "$t" | sed 's|module/||' | paste -sd ' ')" \
				'$1 == "TOTAL" { printf "%-8s regions %7s  lines %7s  (%s)\n", t, $4, $10, f }'
	done
	printf '== coverage of the core files (all targets, all corpora)\n'
	(cd "$ROOT" && "llvm-cov$llvm" report -instr-profile="$prof/all.profdata" \
		-show-region-summary=true -show-branch-summary=false \
		-show-functions=false "${objs[@]:1}" "${core[@]}")
}

case ${1:-} in
smoke | run)
	(($# == 2)) || usage
	run "$1" "$2"
	;;
coverage)
	(($# == 1)) || usage
	coverage
	;;
*) usage ;;
esac
