#!/bin/bash
# Run the VM integration tests inside the guest (started by scripts/vmtest.sh
# through scripts/vm.sh; refuses to run anywhere else: it deletes network
# namespaces and links and unloads mchost between tests).
#
# Usage (in the guest): scripts/vmtests/run-guest.sh [TEST-NAME-SUBSTRING...]
#
# Runs scripts/vmtests/t[0-9]*.sh (with bash) and t[0-9]*.py (with
# /usr/bin/python3), sorted by name, only those whose file name contains one
# of the substrings if any are given. Each test gets, in its environment:
#   MCHOST_KO    the mchost.ko built for the running kernel
#   MCHOSTCTL    build/mchostctl
#   MCHOST_KVER  the running kernel release
#   MCHOST_ROOT  the repository root
#   TMPDIR       a fresh scratch directory
# and runs as root in $MCHOST_ROOT, under `timeout -k 5 $MCHOST_TEST_TIMEOUT`
# (default 600 s). A test passes if it exits 0, the kernel did not get a
# new W/D/B/L taint (WARN, oops, bad page, soft lockup) while it ran, the
# kernel logged no report of scripts/kernel/reports.ere (KASAN, lockdep,
# RCU, UBSAN, KFENCE, ...) while it ran or during the cleanup after it, and
# mchost (if it is still loaded) unloads after it. `mchost-vmtest: begin
# NAME` / `end NAME` lines in the kernel log mark each test (scripts/vm.sh
# names the test of each report it finds in the whole log).
#
# Output: `PASS <name> (<secs>s, CPU <busy>%)` (busy: how much of the
# guest's CPU time, all vCPUs, was not idle while the test ran) or
# `FAIL <name> (rc N)` with the test's output, and finally `<kernel>: N
# passed, N failed`. Logs: tests/<name>.log (output + the kernel messages
# of the test), tests/results.txt (RUN/PASS/FAIL lines, read by
# vmtest.sh), tests/summary, in $MCHOST_VM_LOGDIR.
#
# Environment: MCHOST_VMTESTS_DIR (another test directory),
# MCHOST_TEST_TIMEOUT, MCHOST_VMTEST_KERNEL (the
# label of the summary line, default: the kernel release), MCHOST_VERBOSE=1
# (show every test's output, not only that of failed ones).
set -uo pipefail

me=${0##*/}
die() {
	printf '%s: ERROR: %s\n' "$me" "$*" >&2
	exit 1
}

# Only inside the mchost VM: PID 1 is scripts/vm-guest.sh.
if [[ -z ${MCHOST_VM_LOGDIR:-} ]] || ! tr '\0' ' ' </proc/1/cmdline | grep -q 'vm-guest\.sh'; then
	die "this runs only inside the mchost VM: use scripts/vmtest.sh"
fi

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
TESTS_DIR=${MCHOST_VMTESTS_DIR:-$ROOT/scripts/vmtests}
KVER=$(uname -r)
export MCHOST_ROOT=${MCHOST_ROOT:-$ROOT}
export MCHOST_KVER=$KVER
export MCHOST_KO=${MCHOST_KO:-$MCHOST_ROOT/build/$KVER/mchost.ko}
export MCHOSTCTL=${MCHOSTCTL:-$MCHOST_ROOT/build/mchostctl}
TIMEOUT=${MCHOST_TEST_TIMEOUT:-600}
LABEL=${MCHOST_VMTEST_KERNEL:-$KVER}
LOGDIR=$MCHOST_VM_LOGDIR/tests
BAD_TAINT=$((512 | 128 | 32 | 16384))
MAX_SHOWN=300 # lines of a failed test's output shown on the console

[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "MCHOST_TEST_TIMEOUT is not a positive number: $TIMEOUT"
[[ -d $TESTS_DIR ]] || die "no test directory $TESTS_DIR"
REPORTS=$(grep -E -v '^[[:space:]]*(#|$)' "$MCHOST_ROOT/scripts/kernel/reports.ere") ||
	die "no kernel report patterns in $MCHOST_ROOT/scripts/kernel/reports.ere"
rm -rf -- "$LOGDIR"
mkdir -p -- "$LOGDIR" || die "cannot create $LOGDIR"
: >"$LOGDIR/results.txt"

taint_flags() {
	local t=$1 letters=PFSRMBUADWCIOELKXTN i out=
	for ((i = 0; i < ${#letters}; i++)); do
		((t & (1 << i))) && out+=${letters:i:1}
	done
	printf '%s\n' "${out:--}"
}

# Tests, sorted, filtered by the substrings.
tests=()
while IFS= read -r f; do
	name=${f##*/}
	if (($# > 0)); then
		keep=0
		for s in "$@"; do
			[[ $name == *"$s"* ]] && keep=1
		done
		((keep)) || continue
	fi
	tests+=("$f")
done < <(find "$TESTS_DIR" -maxdepth 1 -type f \( -name 't[0-9]*.sh' -o -name 't[0-9]*.py' \) | LC_ALL=C sort)

links_of_type() {
	ip -o link show type "$1" 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

# Between tests: unload mchost, delete all named netns and the veth, bridge
# and dummy links of the root netns. Prints problems; returns 1 if mchost
# could not be unloaded.
cleanup() {
	local ret=0 t l i
	if [[ -d /sys/module/mchost ]]; then
		if ! rmmod mchost; then
			echo "cleanup: rmmod mchost failed (still in use?)"
			ret=1
		fi
	fi
	ip -all netns delete 2>/dev/null
	for t in veth bridge dummy; do
		for l in $(links_of_type "$t"); do
			ip link delete "$l" 2>/dev/null
		done
	done
	# Netns teardown is asynchronous: wait (up to 5 s) for the links to go.
	for ((i = 0; i < 50; i++)); do
		[[ -z $(links_of_type veth)$(links_of_type bridge)$(links_of_type dummy) ]] && break
		sleep 0.1
	done
	return "$ret"
}

now() { printf '%s\n' "${EPOCHREALTIME/[^0-9]/.}"; }

# cpu_jiffies: "busy total" of all CPUs, from /proc/stat (idle and iowait
# are not busy). Two of them give how busy the guest was in between.
cpu_jiffies() {
	local _cpu user nice sys idle iowait irq softirq steal
	read -r _cpu user nice sys idle iowait irq softirq steal _ </proc/stat
	local busy=$((user + nice + sys + irq + softirq + steal))
	printf '%d %d\n' "$busy" "$((busy + idle + iowait))"
}

passed=0
failed=0
cd -- "$MCHOST_ROOT" || die "cannot cd to $MCHOST_ROOT"
if ((${#tests[@]} == 0)); then
	echo "$me: no test in $TESTS_DIR matches: $*"
fi
cleanup >/dev/null

for f in "${tests[@]}"; do
	name=${f##*/}
	log=$LOGDIR/$name.log
	hostlog=${MCHOST_VM_HOST_LOGDIR:+$MCHOST_VM_HOST_LOGDIR/tests/$name.log}
	hostlog=${hostlog:-$log}
	case $name in
	*.py) interp=(/usr/bin/python3 -u) ;;
	*) interp=(bash) ;;
	esac
	printf 'RUN %s\n' "$name" >>"$LOGDIR/results.txt"
	scratch=$(mktemp -d "/tmp/mchost-test.XXXXXX")
	klines=$(dmesg | wc -l)
	printf 'mchost-vmtest: begin %s\n' "$name" >/dev/kmsg
	taint0=$(</proc/sys/kernel/tainted)
	t0=$(now)
	cpu0=$(cpu_jiffies)

	TMPDIR=$scratch timeout -k 5 "$TIMEOUT" "${interp[@]}" "$f" >"$log" 2>&1 </dev/null &
	pid=$!
	wait "$pid"
	rc=$?
	# Whatever the test left running in its process group (timeout made one).
	kill -KILL -- "-$pid" 2>/dev/null

	secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	# How CPU-bound the test was: a low share means it mostly waited.
	read -r b0 j0 <<<"$cpu0"
	read -r b1 j1 <<<"$(cpu_jiffies)"
	busy=$((j1 > j0 ? 100 * (b1 - b0) / (j1 - j0) : 0))
	why=()
	((rc == 124 || rc == 137)) && why+=("timed out after ${TIMEOUT}s")
	taint=$(</proc/sys/kernel/tainted)
	new_taint=$(((taint & ~taint0) & BAD_TAINT))
	if ((new_taint)); then
		why+=("kernel tainted $(taint_flags "$new_taint") during the test")
		((rc == 0)) && rc=1
	fi
	cleanup_out=$(cleanup 2>&1)
	crc=$?
	# The cleanup (rmmod, netns deletion) is part of the test.
	kmsgs=$(dmesg | tail -n "+$((klines + 1))")
	printf 'mchost-vmtest: end %s\n' "$name" >/dev/kmsg
	if [[ -n $kmsgs ]]; then
		printf -- '---- kernel messages during %s and its cleanup ----\n%s\n' "$name" "$kmsgs" >>"$log"
	fi
	reports=$(grep -E -f <(printf '%s\n' "$REPORTS") <<<"$kmsgs")
	if [[ -n $reports ]]; then
		why+=("kernel report(s) during the test, first: $(head -n 1 <<<"$reports")")
		((rc == 0)) && rc=1
	fi
	if [[ -n $cleanup_out ]]; then
		printf -- '---- cleanup after %s ----\n%s\n' "$name" "$cleanup_out" >>"$log"
	fi
	if ((crc != 0)); then
		why+=("mchost could not be unloaded after the test")
		((rc == 0)) && rc=1
	fi
	rm -rf -- "$scratch"

	if ((rc == 0)); then
		passed=$((passed + 1))
		printf 'PASS %s (%ss, CPU %s%%)\n' "$name" "$secs" "$busy"
		printf 'PASS %s %s %s\n' "$name" "$secs" "$busy" >>"$LOGDIR/results.txt"
		if [[ ${MCHOST_VERBOSE:-0} == 1 ]]; then
			sed 's/^/    /' "$log"
		fi
	else
		failed=$((failed + 1))
		printf 'FAIL %s (rc %d)\n' "$name" "$rc"
		printf 'FAIL %s %d\n' "$name" "$rc" >>"$LOGDIR/results.txt"
		for w in "${why[@]}"; do
			printf '    %s\n' "$w"
		done
		n=$(wc -l <"$log")
		printf -- '---- output of %s (%ss; log: %s) ----\n' "$name" "$secs" "$hostlog"
		if ((n > MAX_SHOWN)); then
			printf '[... %d lines cut, see the log ...]\n' "$((n - MAX_SHOWN))"
		fi
		tail -n "$MAX_SHOWN" -- "$log"
		printf -- '---- end of %s ----\n' "$name"
	fi
done

printf '%d %d\n' "$passed" "$failed" >"$LOGDIR/summary"
printf '%s: %d passed, %d failed\n' "$LABEL" "$passed" "$failed"
((failed == 0 && ${#tests[@]} > 0))
