#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Differential test of mchostctl, for changes that must not change what it
# does: a reference build and the build under test run the same ~265 cases
# (every command and option, -j, -d, batches with errors, comments and blank
# lines, `hold`, usage errors, kernel rejections, unprivileged calls, failed
# writes, malformed /proc counters), and any difference in stdout, stderr,
# exit status or the resulting kernel state fails.
#
# Usage: scripts/mchostctl/test-golden.sh [--kernel 6.1|6.12] [--ref REV]
#   --kernel  guest kernel series, default 6.12
#   --ref     git revision whose `make cli` is the reference; default: the
#             last revision with the single-file scripts/mchostctl.c
# The build under test is the work tree's (make cli, also run here).
# Needs build/<release>/mchost.ko (make modules-all).
#
# The kernel lists memberships in hash order, and each device's hash is
# seeded at random, so two runs cannot be compared. Instead every case runs
# three times from the same kernel state: reference, reference again (a
# control: if it differs, the case is not deterministic and the test fails),
# then the new build; the memberships are put back after each of the first
# two runs. Cases run inside one netns of one QEMU guest; the counter parser
# is also run on the host, against a fake /proc.
#
# Results: build/golden/<series>/{ref,ref2,new}/NNN-name.{out,err,rc,state}
# and build/golden/fakeproc/..., the command of each case in cases.txt.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib.sh"

NS=golden
SELF=$ROOT/scripts/mchostctl/test-golden.sh
# Device names JSON must escape: quote and backslash, valid UTF-8, a byte
# that is not UTF-8, a control character, a cut UTF-8 sequence.
q="j\"\\" u=$'u\xc3\xa9' ff=$'b\xff' ctl=$'c\x01' cut=$'t\xe2\x82'

# ----------------------------------------------------------------- the cases

dir="" ref="" new="" n=0 cur="" failed=0
args=() pre=() stdin=/dev/null outmode=split gen=""
tmp=/var/tmp/golden.$$

fatal() {
	echo "golden: $*"
	exit 1
}

# must CMD...: a setup step, which must work.
must() {
	"$@" || fatal "setup step failed: $*"
}

# The memberships, sorted (the kernel's order is the hash's).
groups_now() {
	if [[ -r /proc/net/mchost/groups ]]; then
		tail -n +2 /proc/net/mchost/groups | LC_ALL=C sort
	fi
}

# Everything the kernel shows of the state, without the CLI.
# shellcheck disable=SC2317 # called from the runners
state() {
	groups_now
	if [[ -r /proc/net/mchost/interfaces ]]; then
		cat /proc/net/mchost/interfaces
	fi
}

# restore FILE: put the memberships back to FILE (from groups_now), with the
# reference binary. Only persistent owners can be restored.
restore() {
	groups_now >"$tmp.now"
	cmp -s "$1" "$tmp.now" && return
	LC_ALL=C awk '
		FILENAME == ARGV[1] { want[$1 " " $2] = $0; next }
		{ have[$1 " " $2] = $0 }
		END {
			for (k in have)
				if (!(k in want)) {
					split(k, a, " ")
					print "leave dev " a[1] " group " a[2]
				}
			for (k in want) {
				if ((k in have) && want[k] == have[k])
					continue
				split(want[k], f, " ")
				if (f[5] != 1)
					exit 1
				line = "join dev " f[1] " group " f[2] " mode " f[3]
				ns = f[4] == "-" ? 0 : split(f[4], s, ",")
				for (i = 1; i <= ns; i++)
					line = line " source " s[i]
				print line
			}
		}' "$1" "$tmp.now" >"$tmp.fix" || fatal "case $cur: cannot restore held memberships"
	"$ref" -b "$tmp.fix" >/dev/null || fatal "case $cur: restore failed"
	groups_now | cmp -s "$1" - || fatal "case $cur: state not restored"
}

# run1 BIN DIR: the current case once.
# shellcheck disable=SC2317 # called as $runner
run1() {
	local bin=$1 d=$2 rc=0 o=$2/$cur
	case $outmode in
	split) "${pre[@]}" "$bin" "${args[@]}" >"$o.out" 2>"$o.err" <"$stdin" || rc=$? ;;
	# stdout and stderr in one file: their order counts.
	all) "${pre[@]}" "$bin" "${args[@]}" >"$o.out" 2>&1 <"$stdin" || rc=$? ;;
	# Writes to stdout fail with ENOSPC.
	full) "${pre[@]}" "$bin" "${args[@]}" >/dev/full 2>"$o.err" <"$stdin" || rc=$? ;;
	# Input from a generator that pauses between lines.
	gen) "$gen" | "$bin" "${args[@]}" >"$o.out" 2>"$o.err" || rc=$? ;;
	esac
	echo "$rc" >"$o.rc"
	state >"$o.state"
}

# hold1 BIN DIR: the current case once, as a command that may stay alive
# holding memberships. Its stdout is a FIFO, read to EOF: a held process
# closes it. Records whether it is alive then, the state while it holds,
# and how it ends once killed.
# shellcheck disable=SC2317 # called as $runner
hold1() {
	local bin=$1 o=$2/$cur pid st alive=no i rc=0
	rm -f "$tmp.fifo"
	must mkfifo "$tmp.fifo"
	"$bin" "${args[@]}" >"$tmp.fifo" 2>"$o.err" <"$stdin" &
	pid=$!
	timeout 30 cat "$tmp.fifo" >"$o.out" || rc=$?
	echo "stdout closed: cat exit $rc" >"$o.rc"
	rm -f "$tmp.fifo"
	# Held: asleep in pause() for a second. Failed: gone or a zombie.
	for ((i = 0; i < 10; i++)); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		alive=no
		[[ $st == S ]] || break
		alive=yes
		sleep 0.1
	done
	state >"$o.state"
	rc=0
	if [[ $alive == yes ]]; then
		kill "$pid"
		wait "$pid" || rc=$?
		echo "held, then killed: exit $rc" >>"$o.rc"
	else
		wait "$pid" || rc=$?
		echo "not held: exit $rc" >>"$o.rc"
	fi
	echo "-- after" >>"$o.state"
	state >>"$o.state"
}

# t NAME ARGS...: one case: reference, reference again, new; each from the
# same memberships.
t() {
	local name=$1 runner=${runner:-run1} line
	shift
	args=("$@")
	n=$((n + 1))
	cur=$(printf '%03d-%s' "$n" "$name")
	printf -v line '%q ' "${pre[@]}" mchostctl "$@"
	{
		printf '%s: %s' "$cur" "${line:0:300}"
		((${#line} <= 300)) || printf '... '
		[[ $outmode == split ]] || printf '(%s) ' "$outmode"
		[[ $stdin == /dev/null ]] || printf '<%s' "$stdin"
		echo
	} >>"$dir/cases.txt"
	groups_now >"$tmp.before"
	"$runner" "$ref" "$dir/ref"
	restore "$tmp.before"
	"$runner" "$ref" "$dir/ref2"
	restore "$tmp.before"
	"$runner" "$new" "$dir/new"
}

# tj NAME ARGS...: t, and t with -j.
tj() {
	local name=$1
	shift
	t "$name" "$@"
	t "$name-j" -j "$@"
}

# th NAME ARGS...: t for a command that holds memberships.
th() {
	runner=hold1 t "$@"
}

tall() { outmode=all t "$@"; }
tfull() { outmode=full t "$@"; }
tin() {
	local file=$1
	shift
	stdin=$file t "$@"
}
tnobody() {
	pre=(setpriv --reuid=65534 --regid=65534 --clear-groups
		--inh-caps=-all --bounding-set=-all)
	t "$@"
	pre=()
}

# compare: the verdict over all cases of $dir.
compare() {
	local what=$1
	echo "golden: $what: $n cases, each run by the reference twice and by the new build"
	# show -d prints how long ago each membership last reported: a clock.
	find "$dir" -name '*.out' -exec \
		sed -E -i 's/(last_report_ms"?[: ])[0-9]+/\1MS/g' {} +
	if ! diff -r "$dir/ref" "$dir/ref2" >"$dir/control.diff"; then
		echo "golden: FAIL: $what: the reference differs from itself (a case is not deterministic):"
		head -n 60 "$dir/control.diff"
		failed=1
	elif ! diff -r "$dir/ref" "$dir/new" >"$dir/new.diff"; then
		echo "golden: FAIL: $what: the new build differs from the reference:"
		head -n 200 "$dir/new.diff"
		failed=1
	else
		echo "golden: PASS: $what: stdout, stderr, exit status and kernel state identical"
	fi
}

start() {
	dir=$1 ref=$2 new=$3 n=0
	rm -rf "$dir"
	mkdir -p "$dir/ref" "$dir/ref2" "$dir/new"
	: >"$dir/cases.txt"
}

# shellcheck disable=SC2317 # called as $gen
slow_input() {
	echo 'join dev bt0 group 239.12.0.1'
	sleep 0.5
	echo 'join dev bt0 group 10.0.0.1'
	sleep 0.5
	echo 'show dev bt0'
	echo 'leave dev bt0 group 239.12.0.1'
}

# The scenario, inside netns $NS of the guest.
scenario() {
	local b=$tmp.batch i s

	# ---- without the module; usage errors need no kernel
	printf 'show\n' >"$b"
	tj notloaded-show show
	tj notloaded-ifaces ifaces
	tj notloaded-stats stats
	t notloaded-join join dev d0 group 239.1.1.1
	t notloaded-leave leave dev d0 group 239.1.1.1
	t notloaded-batch -b "$b"
	tin "$b" notloaded-batch-stdin -b -
	t usage-none
	t usage-h -h
	t usage-help --help
	t usage-help-prefix --he
	t usage-jh -jh
	t usage-h-cmd -h bogus
	t usage-j -j
	t usage-jd -j -d
	t usage-x -x
	t usage-jx -jx
	t usage-long --foo
	t usage-long-val --foo=1
	t usage-b -b
	t usage-batch --batch
	t usage-json-val --json=1
	t usage-help-val --help=1
	t usage-details-val --details=1
	t usage-dashdash-only --
	t usage-bogus bogus
	t usage-empty ''
	t usage-join join
	t usage-join-dev join dev
	t usage-join-devonly join dev d0
	t usage-join-grouponly join group 239.1.1.1
	t usage-join-group join dev d0 group
	t usage-join-badgroup join dev d0 group 300.1.1.1
	t usage-join-badgroup6 join dev d0 group ff3e::1::2
	t usage-join-hostname join dev d0 group localhost
	t usage-join-mode join dev d0 group 239.1.1.1 mode
	t usage-join-badmode join dev d0 group 239.1.1.1 mode INCLUDE
	t usage-join-mode2 join dev d0 group 239.1.1.1 mode include mode exclude
	t usage-join-dev2 join dev d0 dev d1 group 239.1.1.1
	t usage-join-group2 join dev d0 group 239.1.1.1 group 239.1.1.2
	t usage-join-hold2 join dev d0 group 239.1.1.1 hold hold
	t usage-join-holdval join hold dev
	t usage-join-source join dev d0 group 239.1.1.1 source
	t usage-join-badsource join dev d0 group 239.1.1.1 source 10.0.0.1 source x
	t usage-join-opt-after join dev d0 group 239.1.1.1 -j
	t usage-join-unknown join dev d0 group 239.1.1.1 port 5
	t usage-leave leave dev d0
	t usage-leave-group leave group 239.1.1.1
	t usage-leave-hold leave dev d0 group 239.1.1.1 hold
	t usage-leave-mode leave dev d0 group 239.1.1.1 mode include
	t usage-leave-source leave dev d0 group 232.1.1.1 source 10.0.0.1
	t usage-show-group show group 239.1.1.1
	t usage-show-dev show dev
	t usage-show-dev2 show dev d0 dev d1
	t usage-ifaces-dev ifaces dev
	t usage-ifaces-x ifaces x
	t usage-stats-dev stats dev d0
	t usage-stats-x stats x
	t usage-stats-j stats -j
	t usage-batch-cmd -b "$b" show
	t usage-batch-cmd-j -j -b "$b" show
	t usage-batch-missing -b /nonexistent/batch
	t usage-cmd-case JOIN dev d0 group 239.1.1.1
	t usage-prefix sh
	t usage-dashdash -- show
	tfull usage-none-full
	tfull usage-help-full -h
	tfull usage-error-full bogus

	# ---- the module, RV 1: every report leaves inside its request
	must insmod "$MCHOST_KO" robustness=1
	# Grow the hashes of d0 and bt0 now: a later growth would reorder
	# them between the runs of a case.
	for d in d0 bt0; do
		for ((i = 0; i < 2100; i++)); do
			echo "join dev $d group 239.250.$((i / 250)).$((i % 250))"
		done >"$b"
		must "$ref" -b "$b"
		sed 's/^join/leave/' "$b" >"$b.2"
		must "$ref" -b "$b.2"
	done

	tj empty-show show
	tj empty-ifaces ifaces
	tj empty-ifaces-d -d ifaces
	tj empty-stats stats
	t batch-dir -b /var/tmp
	t batch-empty -b /dev/null

	t join-asm4 join dev d0 group 239.1.1.1
	t join-ssm4 join dev d0 group 232.1.1.1 source 192.0.2.1 source 198.51.100.7
	t join-ex4 join dev d0 group 232.1.1.2 mode exclude source 192.0.2.9
	t join-in4 join dev d0 group 232.1.1.3 mode include source 192.0.2.3
	t join-ex4-2 join dev d0 group 239.3.3.3 mode exclude source 10.1.1.2 source 10.1.1.1
	t join-ssm6 join dev d0 group ff3e::1234 source 2001:DB8:0:0::2 source 2001:db8::1
	t join-asm6 join dev d0 group ff0e::42
	t join-ex6 join dev d0 group ff05::1:3 mode exclude
	t join-down join dev d1 group 239.2.2.2
	t join-down6 join dev d1 group ff3e::2 source 2001:db8::9
	t join-quote join dev "$q" group 239.4.4.1
	t join-utf8 join dev "$u" group 239.4.4.2 source 10.4.4.2
	t join-ff join dev "$ff" group ff3e::4:3
	t join-ctl join dev "$ctl" group 239.4.4.4
	t join-cut join dev "$cut" group 239.4.4.5 mode exclude source 10.4.4.5
	t join-long join dev abcdefghijklmno group 239.4.4.6
	t join-again join dev d0 group 239.1.1.1
	t join-replace join dev d0 group 232.1.1.3 mode include source 192.0.2.4
	t join-to-ex join dev d0 group 232.1.1.1 mode exclude source 192.0.2.1
	t join-to-in join dev d0 group 232.1.1.1 source 192.0.2.1 source 198.51.100.7
	t join-long-opts --json --details join dev d0 group 239.1.1.2

	# Kernel rejections (exit 1, extended-ack message) and local errors.
	t rej-unicast join dev d0 group 10.0.0.1
	t rej-bcast join dev d0 group 255.255.255.255
	t rej-allhosts join dev d0 group 224.0.0.1
	t rej-allhosts6 join dev d0 group ff02::1
	t rej-scope0 join dev d0 group ff00::5
	t rej-scope1 join dev d0 group ff01::1
	t rej-scope1f join dev d0 group ff31::1
	t rej-mapped join dev d0 group ::ffff:239.1.1.9
	t rej-nodev join dev nosuch0 group 239.1.1.1
	t rej-nodev-leave leave dev nosuch0 group 239.1.1.1
	t rej-lo join dev lo group 239.1.1.1
	t rej-dup join dev d0 group 232.9.9.9 source 10.0.0.1 source 10.0.0.1
	t rej-dup6 join dev d0 group ff3e::9 source 2001:db8::1 source 2001:db8:0::1
	t rej-src-mc join dev d0 group 232.9.9.9 source 224.1.1.1
	t rej-src-zero join dev d0 group 232.9.9.9 source 0.0.0.0
	t rej-src-bcast join dev d0 group 232.9.9.9 source 255.255.255.255
	t rej-src-mc6 join dev d0 group ff3e::9 source ff02::2
	t rej-src-any6 join dev d0 group ff3e::9 source ::
	t rej-family join dev d0 group 232.9.9.9 source 2001:db8::1
	t rej-family6 join dev d0 group ff3e::9 source 10.0.0.1
	t rej-mixed join dev d0 group 232.9.9.9 source 10.0.0.1 source 2001:db8::1
	t rej-include-empty join dev d0 group 239.9.9.9 mode include
	t rej-leave-none leave dev d0 group 239.99.99.99
	t rej-leave-none6 leave dev d0 group ff3e::99
	t rej-leave-otherdev leave dev d1 group 239.1.1.1
	s=()
	for ((i = 1; i <= 65; i++)); do s+=(source "10.0.1.$i"); done
	t rej-too-many join dev d0 group 232.8.8.8 "${s[@]}"
	s=()
	for ((i = 1; i <= 64; i++)); do s+=(source "10.0.2.$i"); done
	t max-sources join dev d0 group 232.8.8.8 "${s[@]}"
	s=()
	for ((i = 1; i <= 4000; i++)); do
		printf -v x '%x' "$i"
		s+=(source "2001:db8::$x")
	done
	t rej-nest join dev d0 group ff3e::8 "${s[@]}"

	# ---- show, ifaces, stats
	tj show show
	tj show-d0 show dev d0
	tj show-d1 show dev d1
	tj show-quote show dev "$q"
	tj show-utf8 show dev "$u"
	tj show-ff show dev "$ff"
	tj show-ctl show dev "$ctl"
	tj show-cut show dev "$cut"
	tj show-lo show dev lo
	tj show-nodev show dev nosuch0
	tj show-d -d show
	tj ifaces ifaces
	tj ifaces-d0 ifaces dev d0
	tj ifaces-lo ifaces dev lo
	tj ifaces-nodev ifaces dev nosuch0
	tj ifaces-det -d ifaces
	tj ifaces-det-d1 -d ifaces dev d1
	tj ifaces-det-long --details ifaces dev "$q"
	t ifaces-jd -jd ifaces
	t ifaces-json-long --json --details ifaces
	tj stats stats
	tj stats-d -d stats
	tfull show-full show
	tfull show-full-j -j show
	tfull ifaces-full ifaces
	tfull stats-full stats
	tfull stats-full-j -j stats

	# ---- without privileges: dumps work, changes do not
	tnobody nobody-show show
	tnobody nobody-show-j -j show
	tnobody nobody-ifaces -d ifaces
	tnobody nobody-stats -j stats
	tnobody nobody-join join dev d0 group 239.5.5.5
	tnobody nobody-leave leave dev d0 group 239.1.1.1
	printf 'join dev d0 group 239.5.5.5\nshow dev d1\nleave dev d0 group 239.1.1.1\nstats\n' >"$b.nobody"
	tnobody nobody-batch -b "$b.nobody"

	# ---- hold: the memberships live as long as the process
	th hold-asm join dev d0 group 239.1.1.1 hold
	th hold-ssm join dev d0 group 239.7.7.7 source 192.0.2.1 hold
	# Merged with the persistent filter: INCLUDE{192.0.2.1,198.51.100.7}
	# gives the union, EXCLUDE{192.0.2.9} gives EXCLUDE{}.
	th hold-merge-in join dev d0 group 232.1.1.1 mode include source 192.0.2.1 source 10.7.7.7 hold
	th hold-merge-ex join dev d0 group 232.1.1.2 source 192.0.2.9 source 10.7.7.7 hold
	th hold-fail join dev d0 group 10.0.0.1 hold
	th hold-nodev join dev nosuch0 group 239.1.1.1 hold
	s=()
	for ((i = 1; i <= 40; i++)); do s+=(source "10.0.3.$i"); done
	must "$ref" join dev d0 group 232.6.6.6 "${s[@]}"
	s=()
	for ((i = 1; i <= 40; i++)); do s+=(source "10.0.4.$i"); done
	th hold-merge-over join dev d0 group 232.6.6.6 "${s[@]}" hold
	must "$ref" leave dev d0 group 232.6.6.6
	printf 'join dev d0 group 239.8.8.8 hold\njoin dev d0 group 239.8.8.9\nshow dev d1\njoin dev d0 group 10.1.1.1 hold\n' >"$b.hold"
	th hold-batch -b "$b.hold"
	printf 'join dev d0 group 239.8.8.10 hold\nifaces dev d1\n' >"$b.hold2"
	stdin=$b.hold2 th hold-batch-stdin -j -b -

	# ---- batches (on bt0 when they list it: see restore)
	{
		echo '# a comment'
		echo '   # an indented comment'
		echo
		echo '   '
		echo 'join dev bt0 group 239.10.0.1'
		echo 'join dev bt0 group 239.10.0.2 source 10.0.0.1'
		echo 'join dev bt0 group 10.0.0.1'
		echo 'join dev nosuch0 group 239.10.0.3'
		echo 'bogus command'
		echo 'join dev bt0 group 239.10.0.4 mode'
		printf '\tjoin\tdev bt0  group   239.10.0.5\t\n'
		printf 'join dev bt0 group 239.10.0.6\r\n'
		echo 'show dev bt0'
		echo 'leave dev bt0 group 239.10.0.99'
		echo 'ifaces dev bt0'
		echo 'join dev bt0 group 239.10.0.7 # not a comment here'
		echo 'leave dev bt0 group 239.10.0.1'
		echo 'join dev bt0 group ff3e::10 source 2001:db8::10 source 2001:db8::10'
		echo 'join dev lo group 239.10.0.8'
		echo 'show dev nosuch0'
		echo 'ifaces dev bt0'
		echo 'join dev bt0 group 239.10.0.9'
		echo 'show'
		printf 'leave dev bt0 group 239.10.0.9'
	} >"$b"
	t batch -b "$b"
	t batch-long --batch "$b"
	t batch-j -j -b "$b"
	t batch-d -d -b "$b"
	t batch-jd -j -d -b "$b"
	tin "$b" batch-stdin -b -
	tin "$b" batch-stdin-j -j -b -
	tall batch-all -b "$b"
	tall batch-all-jd -jd -b "$b"
	tfull batch-full -b "$b"

	# Counters in a batch: only where no line changes them.
	printf 'stats\nshow dev d1\nifaces dev d1\nstats\n' >"$b"
	t batch-stats -b "$b"
	t batch-stats-jd -j -d -b "$b"
	printf 'show dev bt0\n\0 x\nshow dev d1\n' >"$b"
	t batch-nul -b "$b"
	printf '\n\n# only comments\n   \n' >"$b"
	t batch-comments -b "$b"
	printf 'show dev d1' >"$b"
	t batch-no-newline -b "$b"
	{
		echo 'join dev bt0 group 239.11.0.1'
		printf '%200s' ''
		printf 'join dev bt0 group 239.11.0.2'
		printf ' source 10.11.0.%d' {1..60}
		printf '\nleave dev bt0 group 239.11.0.1\nshow dev bt0\n'
	} >"$b"
	t batch-longline -b "$b"
	gen=slow_input outmode=gen t batch-slow-pipe -b -

	# Many lines, pipelined, with errors among them.
	for ((i = 1; i <= 2000; i++)); do
		if ((i % 97 == 0)); then
			echo "join dev bt0 group 10.9.9.$((i % 250))"
		elif ((i % 101 == 0)); then
			echo "join dev bt0 group 239.20.0.1 mode bad"
		elif ((i % 499 == 0)); then
			echo "join dev nosuch0 group 239.1.1.1"
		else
			echo "join dev bt0 group 239.20.$((i / 256)).$((i % 256)) source 10.20.0.$((i % 200 + 1))"
		fi
	done >"$b"
	echo 'show dev bt0' >>"$b"
	t batch-2000 -b "$b"
	tj batch-2000-show show dev bt0
	sed -e 's/^join/leave/' -e 's/ source .*//' -e 's/ mode bad//' "$b" >"$b.2"
	tall batch-2000-leave -b "$b.2"

	# ---- larger filters, versions, and the last word on the state
	echo 1024 >/sys/module/mchost/parameters/max_sources
	s=()
	for ((i = 1; i <= 1024; i++)); do
		printf -v x '%x' "$i"
		s+=(source "2001:db8::$x")
	done
	must "$ref" join dev d0 group ff3e::1024 mode exclude "${s[@]}"
	tj max-1024-show show dev d0
	t max-1024-leave leave dev d0 group ff3e::1024
	t max-1024-join join dev d0 group ff3e::1025 "${s[@]}"
	echo 64 >/sys/module/mchost/parameters/max_sources
	echo 1 >/sys/module/mchost/parameters/mld_max_version
	echo 2 >/sys/module/mchost/parameters/igmp_max_version
	tj versions-ifaces -d ifaces
	echo 1 >/sys/module/mchost/parameters/igmp_max_version
	tj versions1-ifaces -d ifaces dev d0
	echo 2 >/sys/module/mchost/parameters/mld_max_version
	echo 3 >/sys/module/mchost/parameters/igmp_max_version
	t leave-asm4 leave dev d0 group 239.1.1.1
	t leave-ssm6 leave dev d0 group ff3e::1234
	t leave-again leave dev d0 group 239.1.1.1
	tj final-show show
	tj final-ifaces -d ifaces
	tj final-stats stats
}

# In the guest, inside netns $NS: ref new outdir.
guest_ns() {
	local r=$tmp.ref w=$tmp.new
	must ip link set lo up
	for d in d0 d1 bt0; do must ip link add "$d" type dummy; done
	for d in "$q" "$u" "$ff" "$ctl" "$cut" abcdefghijklmno; do
		must ip link add "$d" type dummy
	done
	for d in d0 bt0 "$q" "$u" "$ff" "$ctl" "$cut" abcdefghijklmno; do
		must ip link set "$d" up
	done
	must ip link set d0 mtu 9000
	# Copies that uid 65534 may run.
	must install -m 0755 "$1" "$r"
	must install -m 0755 "$2" "$w"
	start "$3" "$r" "$w"
	scenario
	compare "VM (kernel $(uname -r))"
	rm -f "$tmp".*
	return "$failed"
}

# In the guest, as root: ref new.
guest() {
	local rc=0
	[[ -f ${MCHOST_KO:-} ]] || fatal "no MCHOST_KO"
	! [[ -d /sys/module/mchost ]] || must rmmod mchost
	ip netns del "$NS" 2>/dev/null
	must ip netns add "$NS"
	# Link-local addresses usable at once: MLD reports leave from them.
	must ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	ip netns exec "$NS" bash "$SELF" --guest-ns "$1" "$2" \
		"$MCHOST_VM_LOGDIR/golden" || rc=$?
	ip netns del "$NS"
	if [[ -d /sys/module/mchost ]]; then rmmod mchost || rc=1; fi
	return "$rc"
}

# On the host: the counter parser of builds made with a fake /proc.
fakeproc() {
	local p=$1/proc
	t_proc() {
		local name=$1
		shift
		rm -rf "$p"
		mkdir -p "$p"
		(cd "$p" && eval "$*")
		tj "$name" stats
	}
	start "$1/out" "$2" "$3"
	t_proc missing :
	t_proc no-mld 'printf "a 1\nb 2\n" >igmp'
	t_proc both 'printf "a 1\nb 2\n" >igmp; printf "c 3\n\n  \nbig 18446744073709551615\n" >mld'
	t_proc negative 'printf "a 1\nb -2\n" >igmp; printf "c 3\n" >mld'
	t_proc leading-zero 'printf "a 01\n" >igmp; printf "c 3\n" >mld'
	t_proc zero 'printf "a 0\n" >igmp; printf "c 0\n" >mld'
	t_proc three-words 'printf "a 1 2\n" >igmp; printf "c 3\n" >mld'
	t_proc one-word 'printf "a\n" >igmp; printf "c 3\n" >mld'
	t_proc not-a-number 'printf "a 1x\n" >igmp; printf "c 3\n" >mld'
	t_proc nul 'printf "a 1\0x\n" >igmp; printf "c 3\n" >mld'
	t_proc odd-names 'printf "a\"q 1\n\xff 2\n\\\\ 3\n" >igmp; printf "c 3" >mld'
	t_proc mld-dir 'printf "a 1\n" >igmp; mkdir mld'
	t_proc empty-mld 'printf "a 1\n" >igmp; : >mld'
	t_proc empty 'printf "" >igmp; : >mld'
	t_proc huge 'printf "a 99999999999999999999999999\n" >igmp; printf "x 0\n" >mld'
	t_proc igmp-dir 'mkdir igmp'
	t_proc tabs 'printf "\ta\t1\t\n" >igmp; printf "c  3  \n" >mld'
	compare "counter parser, fake /proc"
}

# ---------------------------------------------------------------- the host

case ${1:-} in
--guest)
	shift
	# The cases record exit statuses themselves; setup steps use must.
	set +e +o pipefail
	guest "$@"
	exit
	;;
--guest-ns)
	shift
	set +e +o pipefail
	guest_ns "$@"
	exit
	;;
esac

usage() {
	mchost_usage
	exit 2
}

series=6.12 rev=""
while (($#)); do
	case $1 in
	--kernel) series=${2:?}; shift 2 ;;
	--ref) rev=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	*) msg "unknown argument $1"; usage ;;
	esac
done
kver=$(mchost_kver "$series") || exit 2
ko=$ROOT/build/$kver/mchost.ko
[[ -f $ko ]] || die "no $ko: run make modules-all"

if [[ -z $rev ]]; then
	rev=$(git -C "$ROOT" rev-list -1 HEAD -- scripts/mchostctl.c)
	[[ -n $rev ]] || die "no revision has scripts/mchostctl.c: give --ref"
	git -C "$ROOT" cat-file -e "$rev:scripts/mchostctl.c" 2>/dev/null || rev=$rev^
fi
rev=$(git -C "$ROOT" rev-parse --verify "$rev^{commit}") || die "bad --ref"

work=$ROOT/build/golden
src=$work/src-$rev
fake=$work/fakeproc
# -DMCHOST_PROC_DIR for the counter parser's builds; quoted for make's shell.
cc_fake="${CC:-cc} '-DMCHOST_PROC_DIR=\"$fake/proc\"'"

# Each build with its own Makefile: the reference's from its own tree.
make -s -C "$ROOT" cli >/dev/null
rm -rf "$src"
mkdir -p "$src"
# VERSION: the Makefile of later revisions reads it (mchostctl -V).
# shellcheck disable=SC2046 # the names, if any, are plain paths
git -C "$ROOT" archive "$rev" Makefile scripts include \
	$(git -C "$ROOT" ls-tree --name-only "$rev" VERSION) | tar -x -C "$src"
make -s -C "$src" cli >/dev/null
make -s -C "$src" cli BUILD="$fake/ref" CC="$cc_fake" >/dev/null
make -s -C "$ROOT" cli BUILD="$fake/new" CC="$cc_fake" >/dev/null
msg "reference: $(git -C "$ROOT" log -1 --format='%h %s' "$rev")"

rc=0
(
	set +e +o pipefail
	fakeproc "$fake" "$fake/ref/mchostctl" "$fake/new/mchostctl"
	rm -f "$tmp".*
	exit "$failed"
) || rc=1

logdir=$work/$series
mkdir -p "$logdir"
MCHOST_KO=$ko bash "$ROOT/scripts/vm.sh" --kernel "$series" --timeout 1800 \
	--logdir "$logdir" -- \
	bash "$SELF" --guest "$src/build/mchostctl" "$ROOT/build/mchostctl" || rc=1
exit "$rc"
