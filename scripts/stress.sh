#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
# `make stress`: boot the sanitizer kernel (KASAN, lockdep, KFENCE, UBSAN,
# ...) RUNS times, one VM at a time, and in each run drive mchost through
# the benchmark's workload and a join / device-delete / netns-delete /
# rmmod stress loop (scripts/stress-guest.py). A run fails on any kernel
# report (scripts/kernel/reports.ere) in its console log or kernel log, on
# a taint, a panic, a timeout or a failed step.
#
# Usage: scripts/stress.sh [--kernel K] [--runs N] [--seconds S]
#                          [-- STRESS-GUEST-ARGS...]
#   --kernel   6.12-debug (default), 6.12 or 6.1
#   --runs     number of VM runs (default $STRESS_RUNS, else 20)
#   --seconds  length of each run's stress loop (default 30)
#   after --, arguments for scripts/stress-guest.py (--bench-n, --groups,
#   --timer-groups, --min-iters, --seed)
#
# Every VM has 2 vCPUs and boots as in scripts/vmtest.sh. Prints each run's
# result and time, then `stress: N runs, N passed, N failed, N report
# lines`; exits non-zero if a run failed. Logs: build/stress-logs/<kernel>/
# run-NN/ (console.log, dmesg.txt, stress.out); a run's kernel reports are
# also printed.
set -euo pipefail
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	mchost_usage
	exit 2
}

series=$MCHOST_DEBUG_SERIES runs=${STRESS_RUNS:-20} seconds=30
while (($#)); do
	case $1 in
	--kernel) series=${2:?}; shift 2 ;;
	--kernel=*) series=${1#*=}; shift ;;
	--runs) runs=${2:?}; shift 2 ;;
	--runs=*) runs=${1#*=}; shift ;;
	--seconds) seconds=${2:?}; shift 2 ;;
	--seconds=*) seconds=${1#*=}; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	*) msg "unknown argument: $1"; usage ;;
	esac
done
for n in "$runs" "$seconds"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n (--runs, --seconds)"
done

kver=$(mchost_kver "$series") || usage
ko=$ROOT/build/$kver/mchost.ko
ctl=$ROOT/build/mchostctl
[[ -f $ko && -x $ctl ]] || die "build first: make modules-all cli (missing $ko or $ctl)"

mem=512
[[ $series != "$MCHOST_DEBUG_SERIES" ]] || mem=1024
args=$(mchost_vm_boot_args "$kver" "$series" "${MCHOST_KFENCE_MS:-10}")
# Boot (about a minute on the debug kernel), the benchmark part, the loop,
# and slack for a loaded host.
vm_timeout=$((seconds * 3 + 900))
top=$ROOT/build/stress-logs/$series
mkdir -p -- "$top"
msg "$series ($kver): $runs run(s) of ${seconds}s of stress, 2 vCPUs, ${mem} MB, boot: $args; logs in $top"

passed=0 failed=0 report_lines=0
t_all=$SECONDS
for ((i = 1; i <= runs; i++)); do
	logdir=$top/$(printf 'run-%02d' "$i")
	rm -rf -- "$logdir"
	mkdir -p -- "$logdir"
	t0=$SECONDS
	rc=0
	MCHOST_KO=$ko MCHOSTCTL=$ctl MCHOST_KVER=$kver MCHOST_ROOT=$ROOT \
		"$ROOT/scripts/vm.sh" --kernel "$series" --timeout "$vm_timeout" \
		--mem "$mem" --smp 2 --append "$args" --logdir "$logdir" -- \
		python3 "$ROOT/scripts/stress-guest.py" --seconds "$seconds" "$@" \
		>"$logdir/stress.out" 2>&1 || rc=$?
	secs=$((SECONDS - t0))
	# vm.sh scans the kernel log already; the console log as well here,
	# since a panic leaves no kernel log.
	hits=$(cat -- "$logdir/console.log" "$logdir/dmesg.txt" 2>/dev/null |
		grep -c -E -f <(mchost_report_patterns) || true)
	report_lines=$((report_lines + hits))
	summary=$(grep -h -E '\[stress .*\] stress: ' "$logdir/stress.out" | sed 's/.*\] stress: //' | paste -sd';' || true)
	if ((rc == 0 && hits == 0)); then
		passed=$((passed + 1))
		printf 'stress: run %d/%d PASS in %ds (%s)\n' "$i" "$runs" "$secs" "${summary:-no summary}"
	else
		failed=$((failed + 1))
		printf 'stress: run %d/%d FAIL in %ds: rc %d, %d report line(s); logs in %s\n' \
			"$i" "$runs" "$secs" "$rc" "$hits" "$logdir"
		grep -h -E -f <(mchost_report_patterns) -- "$logdir/console.log" "$logdir/dmesg.txt" 2>/dev/null |
			sort -u | head -n 20 | sed 's/^/    /' || true
		grep -h -E 'FAIL|ERROR|Traceback' -- "$logdir/stress.out" | head -n 10 | sed 's/^/    /' || true
	fi
done
printf 'stress: %s (%s), %d runs, %d passed, %d failed, %d report lines, %ds in all\n' \
	"$series" "$kver" "$runs" "$passed" "$failed" "$report_lines" "$((SECONDS - t_all))"
((failed == 0))
