#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: measure mchost against the stock kernel's own IGMP, both in
# ONE QEMU/TCG run of a pinned stock Debian kernel (scripts/vm.sh). The guest
# side is scripts/bench-guest.py; this script boots it and prints the table.
#
# Usage: scripts/bench.sh [--kernel 6.1|6.12] [--quick]
#   --kernel  kernel series (default 6.12)
#   --quick   joins at N = 1,000 / 5,000 / 10,000 only (default: stock at
#             1,000 / 5,000 / 10,000 / 30,000 and mchost also at 100,000)
#
# What it measures (stock first, before mchost is ever loaded):
#  1a. Stock limits: one UDP socket joins groups (IP_ADD_MEMBERSHIP) with
#      the default sysctls until it fails; prints the join that fails and the
#      error (ENOBUFS at net.ipv4.igmp_max_memberships + 1), then with that
#      limit lifted the join that fails on net.core.optmem_max.
#  1b. Join time at each N on a fresh dummy device in a netns, 3 runs per N,
#      the median shown (and all runs, for the spread). Stock: one socket, N
#      setsockopt(IP_ADD_MEMBERSHIP) calls with both sysctls raised just
#      enough; only the python loop is timed (the same loop with a no-op
#      setsockopt is shown as the floor). mchost: the wall time of one
#      `mchostctl -b FILE` process with N join lines, no tuning (its fixed
#      startup, an empty batch, is shown). Columns: seconds, joins/s, and
#      "exp", the growth exponent log(t(N)/t(N')) / log(N/N') against the
#      previous N: about 1 is linear, about 2 quadratic. stock/mc is the ratio
#      of the two times at the same N (above 1: mchost is faster). Below the
#      table: CPU time of the joining process and the reports each stack sent
#      during the timed interval (the dummy device drops them), so that the
#      stack's own report work is visible; and one extra, traced run at
#      N=10,000 per stack counting the engine's timer firings during the
#      joins and until its reports stop.
#  2.  Memory: the /proc/meminfo Slab delta while the largest N is held, per
#      group (stock: the socket list + the in_device list + the link-layer
#      address list; mchost: its memberships + the link-layer address list).
#  3.  Timers: 10,000 groups on a veth (host netns <-> peer netns, IPv6 off),
#      then the peer sends ONE IGMPv3 general query and, once all groups were
#      reported, ONE IGMPv2 general query (MRT 1 s; a v2 query puts both
#      stacks in IGMPv2 mode, as the force_igmp_version sysctl or the
#      igmp_max_version parameter would). For each window: timer_list and
#      hrtimer starts and expiries from tracefs hist triggers keyed by the
#      timer function (stock: igmp_*; mchost: mchost_*, its one per-netns
#      hrtimer; "all" counts every timer in the kernel during the window),
#      and the report packets the peer captured, IGMPv3 records per packet,
#      the groups they cover, when the first and last arrived after the
#      query, and the host's tx/tx-drop counters (the guest's
#      net.core.netdev_max_backlog is raised so a burst is not lost at the
#      peer).
#
# How to read it: QEMU runs under TCG (CPU emulation), so every absolute time
# is several times slower than real hardware, and single runs are noisy. The
# ratios (stock/mchost at the same N), the growth exponents and the timer
# and packet COUNTS are what carry over. The script measures; it does not
# judge: it exits 0 when the benchmark ran, whatever the numbers, and
# non-zero when something broke (the VM, a phase of the guest script, a
# missing build). Raw results: build/bench-logs/<series>/bench.json (+
# console.log, dmesg.txt). The default run takes 3 to 8 minutes under TCG,
# depending on the host's load (most of it the stock joins at N=30,000),
# --quick about 2.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '8,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

series=6.12 quick=()
while (($#)); do
	case $1 in
	--kernel) series=${2:?}; shift 2 ;;
	--kernel=*) series=${1#*=}; shift ;;
	--quick) quick=(--quick); shift ;;
	-h | --help) usage ;;
	*) msg "unknown argument: $1"; usage ;;
	esac
done

kver=$(mchost_kver "$series") || usage
ko=$ROOT/build/$kver/mchost.ko
cli=$ROOT/build/mchostctl
[[ -f $ko && -x $cli ]] || die "build first: make modules-all cli (missing $ko or $cli)"
# The guest's mclib.py reads the family's YNL spec with the kernel's library.
[[ -d $MCHOST_YNL/lib ]] || "$ROOT/scripts/kunit.sh" --unpack-only

logdir=$ROOT/build/bench-logs/$series
mkdir -p -- "$logdir"
rm -f -- "$logdir/bench.json"

msg "benchmarking on Linux $kver under QEMU/TCG${quick:+ (--quick)}; progress follows"
# Other work on the host (builds, other VMs) slows TCG down unevenly: the
# stock join loop, a walk of long lists, suffers most. Shown with the table.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
MCHOST_KO=$ko MCHOSTCTL=$cli \
	"$ROOT/scripts/vm.sh" --kernel "$series" --timeout 1800 --mem 1024 \
	--logdir "$logdir" -- \
	python3 "$ROOT/scripts/bench-guest.py" "${quick[@]}" || rc=$?

if [[ -f $logdir/bench.json ]]; then
	echo
	python3 "$ROOT/scripts/bench-guest.py" --report "$logdir/bench.json" ||
		{ msg "could not print $logdir/bench.json"; rc=1; }
	printf 'Host load average (1/5/15 min) before: %s, after: %s, on %s CPUs.\n' \
		"$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
	printf 'Other work on the host makes TCG slower and the runs noisier; compare\n'
	printf 'ratios from quiet runs. Raw results: %s\n' "$logdir/bench.json"
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
