#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: measure mchost against the stock kernel's own IGMP, both in
# ONE QEMU/TCG run of a pinned stock Debian kernel (scripts/vm.sh). The guest
# side is scripts/bench-guest.py; this script boots it and prints the table.
#
# Usage: scripts/bench.sh [--kernel 6.1|6.12] [--quick] [--icount]
#   --kernel  kernel series (default 6.12)
#   --quick   N = 1,000 / 2,000 / 5,000 / 10,000 only (default: 1,000 /
#             3,000 / 10,000 / 30,000 / 100,000, and the query sweep to
#             100,000); `make bench QUICK=1` is the same
#   --icount  the guest clock counts instructions (scripts/vm.sh --icount):
#             every time is then the guest's work, 1 ns an instruction, the
#             same from run to run whatever else the host runs (an idle
#             guest's clock jumps to its next timer, so the report leaves
#             out the user's views should an exec of the timed programs
#             still wait for 9p); `make bench ICOUNT=1` is the same
#
# What it measures, stock first (before mchost is ever loaded), then mchost,
# the same way for both:
#  1. Stock limits: one UDP socket joins with the default sysctls until it
#     fails (igmp_max_memberships, then optmem_max).
#  2. Join time at each N (at least 4 values; the median of 9 runs up to
#     3,000, of 5 above), a fresh dummy device in a netns each run. Stock stops
#     at 30,000: its join and teardown are quadratic (over 10 minutes at
#     100,000 under TCG).
#     - the kernel's view: build/benchjoin (scripts/bench/benchjoin.c), the
#       same C loop for both stacks, times only the system calls: stock,
#       N x setsockopt(IP_ADD_MEMBERSHIP) on one socket (the two sysctls
#       raised just enough); mchost, N persistent JOIN requests pipelined
#       in 64 KiB datagrams over one generic netlink socket, every ack read;
#     - the user's view, exec to done: stock, that program; mchost, the
#       whole `mchostctl -b FILE` process with N join lines. Both programs,
#       their loader and libraries are first copied into the guest's RAM
#       (the tmpfs layer of its root), so that an exec costs no 9p round
#       trips to the host, as a page cache spares them on a real machine.
#     Growth is the least-squares exponent of t over N (log-log), over all
#     N and over N >= 10,000.
#     Then, mchost loaded, N = 1,000 and 3,000 again (--quick: 2,000) with
#     the two stacks alternating: 15 pairs, each view of each stack once a
#     pair, stock first in every other pair; the median of each side and
#     the median of the pairs' ratios. At a few ms a run, TCG's drift
#     between the two join phases (minutes apart) is as large as the
#     difference; a pair shares its moment.
#  3. Memory at the largest N both stacks join, with the same settling (the
#     reports over, 2 s): the /proc/meminfo Slab delta per membership and the
#     slab caches that grew; then 10,000 INCLUDE memberships of 4 sources.
#  4. Timers: 10,000 groups on a veth, the peer netns sends ONE IGMPv3 and
#     then ONE IGMPv2 general query (MRT 1 s); then an IGMPv3 query at each N
#     of the sweep. Per window: timers started and fired (tracefs hist
#     triggers keyed by the timer function; stock igmp_*, mchost mchost_*),
#     the time inside those timer callbacks (the expire entry/exit trace
#     events paired per CPU and timer, for both stacks), and the reports the
#     peer captured against the fewest possible, ceil(N / 183) (183 8-byte
#     records fit in the 1468 bytes a 1500-byte report has for them).
#  5. Query flood: 10,000 groups on a veth, the peer floods IGMPv3, then
#     IGMPv2, general queries for 2 s with build/benchflood
#     (scripts/bench/benchflood.c): the queries processed per second, and
#     per second of softirq time.
#  6. Scale (mchost): 100 devices x 1,000 groups in one netns, and 1,000
#     netns x 100 groups (mchost's memory per netns, the joins' time and
#     memory per membership); --quick: 10 devices and 100 netns.
#  7. UDP receive rate: 64-byte frames flooded into a veth, mchost loaded and
#     not (5 floods of 2 s each, alternating): the median packets per second
#     that reach UDP, and their ratio.
#
# How to read it: QEMU runs under TCG (CPU emulation), so every absolute time
# is several times slower than real hardware, and single runs are noisy. The
# ratios (stock/mchost at the same N), the growth exponents and the timer
# and packet COUNTS are what carry over. The script measures; it does not
# judge: it exits 0 when the benchmark ran, whatever the numbers, and
# non-zero when something broke (the VM, a phase of the guest script, a
# missing build). It writes build/bench/: bench.json (raw), bench.csv,
# joins.svg (join time against N, log-log), memory.svg and table.md (the
# README's table); the VM's logs are in build/bench-logs/<series>/.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	mchost_usage
	exit 2
}

series=6.12 quick=() icount=()
while (($#)); do
	case $1 in
	--kernel) series=${2:?}; shift 2 ;;
	--kernel=*) series=${1#*=}; shift ;;
	--quick) quick=(--quick); shift ;;
	--icount) icount=(--icount); shift ;;
	-h | --help) usage ;;
	*) msg "unknown argument: $1"; usage ;;
	esac
done

kver=$(mchost_kver "$series") || usage
ko=$ROOT/build/$kver/mchost.ko
cli=$ROOT/build/mchostctl
bj=$ROOT/build/benchjoin
bf=$ROOT/build/benchflood
[[ -f $ko && -x $cli && -x $bj && -x $bf ]] ||
	die "build first: make modules-stock cli $bj $bf (missing one of $ko, $cli, $bj, $bf)"
# The guest's mclib.py reads the family's YNL spec with the kernel's library.
[[ -d $MCHOST_YNL/lib ]] || "$ROOT/scripts/kunit.sh" --unpack-only

logdir=$ROOT/build/bench-logs/$series
mkdir -p -- "$logdir"
rm -f -- "$logdir/bench.json"

msg "benchmarking on Linux $kver under QEMU/TCG${icount:+ -icount}${quick:+ (--quick)}; progress follows"
# Other work on the host (builds, other VMs) slows TCG down unevenly: the
# stock join loop, a walk of long lists, suffers most. Shown with the table.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
MCHOST_KO=$ko MCHOSTCTL=$cli MCHOST_BENCHJOIN=$bj MCHOST_BENCHFLOOD=$bf \
	MCHOST_BENCH_CLOCK=${icount:+icount} \
	"$ROOT/scripts/vm.sh" --kernel "$series" --timeout 3600 --mem 2048 \
	--logdir "$logdir" "${icount[@]}" -- \
	python3 "$ROOT/scripts/bench-guest.py" "${quick[@]}" || rc=$?

if [[ -f $logdir/bench.json ]]; then
	echo
	out=$ROOT/build/bench
	mkdir -p -- "$out"
	cp -- "$logdir/bench.json" "$out/bench.json"
	python3 "$ROOT/scripts/bench-guest.py" --report "$out/bench.json" --outdir "$out" ||
		{ msg "could not print $logdir/bench.json"; rc=1; }
	printf 'Host load average (1/5/15 min) before: %s, after: %s, on %s CPUs.\n' \
		"$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
	if ((${#icount[@]})); then
		printf 'The guest clock counted instructions: the host load changed only how\n'
		printf 'long the run took. Raw results: %s\n' "$logdir/bench.json"
	else
		printf 'Other work on the host makes TCG slower and the runs noisier; compare\n'
		printf 'ratios from quiet runs. Raw results: %s\n' "$logdir/bench.json"
	fi
else
	msg "no results: $logdir/bench.json was not written"
	((rc != 0)) || rc=1
fi
if ((rc != 0)); then
	msg "the benchmark did not run to the end (rc $rc); logs in $logdir"
	# A kernel crash ends the VM before the guest can say why.
	if crash=$(grep -m 1 -E 'Oops|BUG:|Kernel panic|WARNING:' "$logdir/console.log" 2>/dev/null); then
		msg "the guest kernel reported: ${crash#*] }"
	fi
fi
exit "$rc"
