#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The VM integration suite: boot each pinned kernel once (scripts/vm.sh) and
# run scripts/vmtests/t[0-9]*.{sh,py} in it (scripts/vmtests/run-guest.sh).
#
# Usage: scripts/vmtest.sh [--kernel 6.1|6.12|all] [TEST-NAME-SUBSTRING...]
#
#   --kernel   which kernel(s), default all
#   substrings run only the tests whose file name contains one of them
#
# Needs build/<release>/mchost.ko for each kernel and build/mchostctl (the
# Makefile builds them first). Prints PASS/FAIL per test, `<kernel>: N passed,
# N failed` per kernel and finally `vmtest: N passed, N failed`; exits non-zero
# if a test failed on any kernel or a VM failed (panic, timeout, taint).
# Logs: build/vm-logs/<kernel>/ (console.log, dmesg.txt, tests/<name>.log).
#
# Environment: MCHOST_TEST_TIMEOUT (per test, default 300 s), MCHOST_VERBOSE=1
# (show passing tests' output too), MCHOST_VMTESTS_DIR (another test
# directory), MCHOST_VM_MEM (MB, default 512).
set -euo pipefail
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '6,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
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
all) kernels=("${MCHOST_SERIES[@]}") ;;
6.1 | 6.12) kernels=("$sel") ;;
*) msg "unknown kernel: $sel"; usage ;;
esac

tests_dir=${MCHOST_VMTESTS_DIR:-$ROOT/scripts/vmtests}
tests_dir=$(cd -- "$tests_dir" && pwd -P) || die "no test directory: $tests_dir"
! mchost_guest_hidden "$tests_dir" ||
	die "the guest cannot see $tests_dir (it mounts its own /proc, /sys, /dev and /run)"
export MCHOST_VMTESTS_DIR=$tests_dir
per_test=${MCHOST_TEST_TIMEOUT:-300}
[[ $per_test =~ ^[1-9][0-9]*$ ]] || die "MCHOST_TEST_TIMEOUT is not a positive number: $per_test"
export MCHOST_TEST_TIMEOUT=$per_test

# The same selection as run-guest.sh, to size the VM timeout.
ntests=0
while IFS= read -r f; do
	name=${f##*/}
	if ((${#filters[@]} > 0)); then
		keep=0
		for s in "${filters[@]}"; do
			[[ $name == *"$s"* ]] && keep=1
		done
		((keep)) || continue
	fi
	ntests=$((ntests + 1))
done < <(find "$tests_dir" -maxdepth 1 -type f \( -name 't[0-9]*.sh' -o -name 't[0-9]*.py' \) | LC_ALL=C sort)
((ntests > 0)) || die "no test in $tests_dir matches${filters[*]:+: ${filters[*]}}"
# Per test: its timeout, the kill grace, cleanup; plus boot and power-off.
vm_timeout=$((ntests * (per_test + 20) + 120))

ctl=$ROOT/build/mchostctl
[[ -x $ctl ]] || die "$ctl is missing: build first (make)"
for k in "${kernels[@]}"; do
	kver=$(mchost_kver "$k")
	[[ -f $ROOT/build/$kver/mchost.ko ]] || die "$ROOT/build/$kver/mchost.ko is missing: build first (make)"
done

# One VM per kernel, all at once: TCG runs a VM on one core, and the
# kernels' runs are independent (own log dirs). Each one's console output is
# kept and printed in order when all have finished.
declare -A vm_pid
for k in "${kernels[@]}"; do
	kver=$(mchost_kver "$k")
	logdir=$ROOT/build/vm-logs/$k
	mkdir -p "$logdir"
	msg "$k ($kver): $ntests test(s), VM timeout ${vm_timeout}s, logs in $logdir"
	MCHOST_KO=$ROOT/build/$kver/mchost.ko MCHOSTCTL=$ctl MCHOST_KVER=$kver \
		MCHOST_ROOT=$ROOT MCHOST_VMTEST_KERNEL=$k \
		bash "$ROOT/scripts/vm.sh" --kernel "$k" --timeout "$vm_timeout" \
		--mem "${MCHOST_VM_MEM:-512}" --logdir "$logdir" -- \
		bash "$ROOT/scripts/vmtests/run-guest.sh" "${filters[@]}" \
		>"$logdir/vmtest.out" 2>&1 &
	vm_pid[$k]=$!
done

total_pass=0
total_fail=0
bad_vms=()
for k in "${kernels[@]}"; do
	logdir=$ROOT/build/vm-logs/$k
	set +e
	wait "${vm_pid[$k]}"
	vmrc=$?
	set -e
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

if ((${#bad_vms[@]} > 0)); then
	msg "VM failures: ${bad_vms[*]}"
fi
printf 'vmtest: %d passed, %d failed\n' "$total_pass" "$total_fail"
((total_fail == 0 && ${#bad_vms[@]} == 0))
