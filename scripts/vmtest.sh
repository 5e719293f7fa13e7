#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The VM integration suite: boot each kernel once (scripts/vm.sh) and run
# scripts/vmtests/t[0-9]*.{sh,py} in it (scripts/vmtests/run-guest.sh).
#
# Usage: scripts/vmtest.sh [--kernel K] [TEST-NAME-SUBSTRING...]
#
#   --kernel   6.1, 6.12 (the pinned stock Debian kernels), 6.12-debug (the
#              sanitizer kernel of scripts/debug-kernel.sh), stock (6.1 and
#              6.12) or all (the three; the default)
#   substrings run only the tests whose file name contains one of them
#
# The stock kernels boot with slub_debug=FZPU and, if built with KFENCE
# (Debian's 6.12; not 6.1), KFENCE sampling every 10 ms; the debug kernel
# (KASAN, lockdep, ...) with KFENCE sampling; all of them with norandmaps
# (scripts/lib.sh says why). A test fails on a kernel report in the log
# (scripts/kernel/reports.ere), a VM on one outside the tests.
# The VMs never have more vCPUs in all than the host has cores: with 2 vCPUs
# each when the host has 2 per VM, all at once; else the stock kernels
# first, side by side with the cores shared out (1 vCPU each on 2 cores),
# then the debug kernel alone with 2 vCPUs. The failures are repeated last.
#
# Needs build/<release>/mchost.ko for each kernel and build/mchostctl (the
# Makefile builds them first). Prints PASS/FAIL per test (a pass with its
# time and how busy the guest's vCPUs were), `<kernel>: N passed, N failed`
# per kernel, the VMs' times (with their passed tests' total time and mean
# busy share) and finally `vmtest: N passed, N failed`; exits non-zero if
# a test failed on any kernel or a VM failed (panic, timeout, taint, kernel
# report).
# Logs: build/vm-logs/<kernel>/ (console.log, dmesg.txt, tests/<name>.log).
#
# Environment: MCHOST_TEST_TIMEOUT (per test, default 600 s; 3 times that on
# the debug kernel), MCHOST_VERBOSE=1 (show passing tests' output too),
# MCHOST_VMTESTS_DIR (another test directory), MCHOST_VM_MEM
# (MB, default 512; 1024 on the debug kernel), MCHOST_VM_SMP (every VM's
# vCPUs, all VMs at once; default: as above), MCHOST_KFENCE_MS (KFENCE
# sample interval, default 10),
# MCHOST_DEBUG_TESTS (substrings, space-separated: run only the matching
# tests on the debug kernel when no test is named; default: all of them).
set -euo pipefail
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	mchost_usage_all
	exit 2
}

sel=all
filters=()
while (($#)); do
	case $1 in
	--kernel) sel=${2:?}; shift 2 ;;
	--kernel=*) sel=${1#*=}; shift ;;
	-h | --help) usage ;;
	--) shift; filters+=("$@"); break ;;
	-*) msg "unknown option: $1"; usage ;;
	*) filters+=("$1"); shift ;;
	esac
done
case $sel in
all) kernels=("${MCHOST_SERIES[@]}" "$MCHOST_DEBUG_SERIES") ;;
stock) kernels=("${MCHOST_SERIES[@]}") ;;
6.1 | 6.12 | "$MCHOST_DEBUG_SERIES") kernels=("$sel") ;;
*) msg "unknown kernel: $sel"; usage ;;
esac

tests_dir=${MCHOST_VMTESTS_DIR:-$ROOT/scripts/vmtests}
tests_dir=$(cd -- "$tests_dir" && pwd -P) || die "no test directory: $tests_dir"
! mchost_guest_hidden "$tests_dir" ||
	die "the guest cannot see $tests_dir (it mounts its own /proc, /sys, /dev and /run)"
export MCHOST_VMTESTS_DIR=$tests_dir
per_test=${MCHOST_TEST_TIMEOUT:-600}
[[ $per_test =~ ^[1-9][0-9]*$ ]] || die "MCHOST_TEST_TIMEOUT is not a positive number: $per_test"
smp=${MCHOST_VM_SMP:-2}
kfence_ms=${MCHOST_KFENCE_MS:-10}
for n in "$smp" "$kfence_ms"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n (MCHOST_VM_SMP, MCHOST_KFENCE_MS)"
done

# count_tests SUBSTRING...: the number of tests run-guest.sh selects with
# these substrings (all without), to size the VM timeout.
count_tests() {
	local n=0 f name s keep
	while IFS= read -r f; do
		name=${f##*/}
		if (($# > 0)); then
			keep=0
			for s in "$@"; do
				[[ $name == *"$s"* ]] && keep=1
			done
			((keep)) || continue
		fi
		n=$((n + 1))
	done < <(find "$tests_dir" -maxdepth 1 -type f \( -name 't[0-9]*.sh' -o -name 't[0-9]*.py' \) | LC_ALL=C sort)
	echo "$n"
}
(($(count_tests "${filters[@]}") > 0)) || die "no test in $tests_dir matches${filters[*]:+: ${filters[*]}}"

# The debug kernel's subset, if asked for (and no test was named).
debug_filters=("${filters[@]}")
if ((${#filters[@]} == 0)) && [[ -n ${MCHOST_DEBUG_TESTS:-} ]]; then
	read -r -a debug_filters <<<"$MCHOST_DEBUG_TESTS"
	(($(count_tests "${debug_filters[@]}") > 0)) ||
		die "no test in $tests_dir matches MCHOST_DEBUG_TESTS: $MCHOST_DEBUG_TESTS"
	msg "$MCHOST_DEBUG_SERIES: only the tests matching MCHOST_DEBUG_TESTS ($MCHOST_DEBUG_TESTS)"
fi
# test_timeout K: the per-test timeout on kernel K (the sanitizers make
# the debug kernel about 3 times slower).
test_timeout() {
	if [[ $1 == "$MCHOST_DEBUG_SERIES" && -z ${MCHOST_TEST_TIMEOUT:-} ]]; then
		echo $((per_test * 3))
	else
		echo "$per_test"
	fi
}

ctl=$ROOT/build/mchostctl
[[ -x $ctl ]] || die "$ctl is missing: build first (make)"
declare -A kvers
for k in "${kernels[@]}"; do
	kver=$(mchost_kver "$k") || die "cannot name the $k kernel"
	kvers[$k]=$kver
	[[ -f $ROOT/build/$kver/mchost.ko ]] || die "$ROOT/build/$kver/mchost.ko is missing: build first (make modules-all)"
done

# One VM per kernel. TCG runs each vCPU on a host thread, and the tests
# time packets to a few hundred ms: more vCPU threads than host cores make
# guest timers fire seconds late, so the VMs run in waves that never
# oversubscribe the host. With fewer cores than 2 vCPUs per VM, the stock
# kernels share the host with one vCPU each (their SMP races are the debug
# kernel's job: KASAN and lockdep see them), then the debug kernel runs alone
# with 2 vCPUs (MCHOST_VM_SMP sets every VM's vCPUs).
ncpu=$(nproc)
declare -A vm_smp vm_pid
stock=() debug=()
for k in "${kernels[@]}"; do
	if [[ $k == "$MCHOST_DEBUG_SERIES" ]]; then debug+=("$k"); else stock+=("$k"); fi
done
if [[ -n ${MCHOST_VM_SMP:-} ]] || ((${#kernels[@]} * 2 <= ncpu)) || ((${#kernels[@]} == 1)); then
	waves=("${kernels[*]}")
	for k in "${kernels[@]}"; do vm_smp[$k]=$smp; done
else
	waves=()
	((${#stock[@]} == 0)) || waves+=("${stock[*]}")
	((${#debug[@]} == 0)) || waves+=("${debug[*]}")
	for k in "${stock[@]}"; do
		vm_smp[$k]=$((ncpu / ${#stock[@]} >= 2 ? 2 : 1))
	done
	for k in "${debug[@]}"; do vm_smp[$k]=$smp; done
fi

# launch K: start kernel K's VM in the background (output in its logdir).
launch() {
	local k=$1 kver logdir kf ntests tt vm_timeout mem args
	kver=${kvers[$k]}
	logdir=$ROOT/build/vm-logs/$k
	mkdir -p "$logdir"
	rm -f "$logdir/vm.secs"
	kf=("${filters[@]}")
	[[ $k != "$MCHOST_DEBUG_SERIES" ]] || kf=("${debug_filters[@]}")
	ntests=$(count_tests "${kf[@]}")
	tt=$(test_timeout "$k")
	# Per test: its timeout, the kill grace, cleanup; plus boot and power-off.
	vm_timeout=$((ntests * (tt + 20) + 120))
	mem=${MCHOST_VM_MEM:-512}
	[[ -n ${MCHOST_VM_MEM:-} || $k != "$MCHOST_DEBUG_SERIES" ]] || mem=1024
	args=$(mchost_vm_boot_args "$kver" "$k" "$kfence_ms")
	msg "$k ($kver): $ntests test(s), ${vm_smp[$k]} vCPUs, ${mem} MB, boot: $args; VM timeout ${vm_timeout}s, logs in $logdir"
	(
		t0=$SECONDS
		rc=0
		MCHOST_KO=$ROOT/build/$kver/mchost.ko MCHOSTCTL=$ctl MCHOST_KVER=$kver \
			MCHOST_ROOT=$ROOT MCHOST_VMTEST_KERNEL=$k MCHOST_TEST_TIMEOUT=$tt \
			bash "$ROOT/scripts/vm.sh" --kernel "$k" --timeout "$vm_timeout" \
			--mem "$mem" --smp "${vm_smp[$k]}" --append "$args" --logdir "$logdir" -- \
			bash "$ROOT/scripts/vmtests/run-guest.sh" "${kf[@]}" || rc=$?
		echo $((SECONDS - t0)) >"$logdir/vm.secs"
		exit "$rc"
	) >"$logdir/vmtest.out" 2>&1 &
	vm_pid[$k]=$!
}

declare -A vm_rc
for w in "${waves[@]}"; do
	read -r -a wk <<<"$w"
	msg "starting the VMs of ${wk[*]} ($ncpu host cores)"
	for k in "${wk[@]}"; do
		launch "$k"
	done
	for k in "${wk[@]}"; do
		set +e
		wait "${vm_pid[$k]}"
		vm_rc[$k]=$?
		set -e
	done
done

total_pass=0
total_fail=0
bad_vms=()
for k in "${kernels[@]}"; do
	logdir=$ROOT/build/vm-logs/$k
	vmrc=${vm_rc[$k]}
	cat "$logdir/vmtest.out"

	results=$logdir/tests/results.txt
	p=0 f=0 running=
	if [[ -f $results ]]; then
		while read -r what name _; do
			case $what in
			RUN) running=$name ;;
			PASS) p=$((p + 1)); running= ;;
			FAIL) f=$((f + 1)); running= ;;
			esac
		done <"$results"
	fi
	if [[ -n $running ]]; then
		# The VM died (panic, timeout) while this test ran.
		printf 'FAIL %s (the VM died during the test: rc %d)\n' "$running" "$vmrc"
		f=$((f + 1))
	fi
	if [[ ! -f $logdir/tests/summary ]] || { ((vmrc != 0)) && ((f == 0)); }; then
		# No result for the whole run, or a failure no test accounts for
		# (e.g. a taint found after the last test).
		((f > 0)) || f=1
		bad_vms+=("$k (rc $vmrc)")
	fi
	if [[ ! -f $logdir/tests/summary ]]; then
		printf '%s: %d passed, %d failed (the VM did not finish: rc %d, see %s/console.log)\n' \
			"$k" "$p" "$f" "$vmrc" "$logdir"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done

for k in "${kernels[@]}"; do
	secs=$(cat "$ROOT/build/vm-logs/$k/vm.secs" 2>/dev/null || echo '?')
	# The passed tests' time, and how busy the guest was in it: what is
	# left to gain by packing VMs tighter onto the host's cores.
	busy=$(awk '$1 == "PASS" && NF >= 4 { t += $3; b += $3 * $4 }
		END { if (t > 0) printf "; its passed tests %.0fs, vCPUs %.0f%% busy", t, b / t }' \
		"$ROOT/build/vm-logs/$k/tests/results.txt" 2>/dev/null)
	printf 'vmtest: %s (%s) took %ss with %s vCPUs%s\n' "$k" "${kvers[$k]}" "$secs" "${vm_smp[$k]}" "$busy"
done
# The failures again, last: a CI log keeps only its tail.
for k in "${kernels[@]}"; do
	results=$ROOT/build/vm-logs/$k/tests/results.txt
	[[ -f $results ]] || continue
	while read -r what name _; do
		[[ $what == FAIL ]] || continue
		log=$ROOT/build/vm-logs/$k/tests/$name.log
		printf '==== vmtest: %s failed on %s; why, and the end of its output ====\n' "$name" "$k"
		awk -v n="FAIL $name " 'index($0, n) == 1 { on = 1; next }
			on && /^    / { print; next } { on = 0 }' "$ROOT/build/vm-logs/$k/vmtest.out"
		# From a little before the first FAIL: line (a check's message and
		# its expected/actual), else the end.
		[[ ! -f $log ]] || sed -e '/^--- dmesg tail ---$/,$d' -e '/^---- kernel messages during /,$d' "$log" |
			awk '{ l[NR] = $0 } /^FAIL: / && !f { f = NR }
				END { a = f ? f - 8 : NR - 24; if (a < 1) a = 1
				      for (i = a; i <= NR && i < a + 60; i++) print l[i] }'
	done <"$results"
done
if ((${#bad_vms[@]} > 0)); then
	msg "VM failures: ${bad_vms[*]}"
fi
printf 'vmtest: %d passed, %d failed\n' "$total_pass" "$total_fail"
((total_fail == 0 && ${#bad_vms[@]} == 0))
