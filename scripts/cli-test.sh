#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make cli-test`: host-side tests of everything that needs no kernel.
#
#   cli         mchostctl's parsing: usage, help and COMMAND help, prefix
#               matching and ambiguous prefixes, options (-n, -V, -p, -j),
#               exit codes; stats, -V and -p against a fake /proc and /sys
#               (a build with MCHOST_PROC_DIR / MCHOST_SYSMOD_DIR)
#   man         both man pages render without a warning (man --warnings),
#               and mchost.7 lists exactly the module's counters and
#               parameters, in their order
#   completion  the bash completion, driven through COMP_WORDS in a
#               non-interactive bash, with stub `ip` and `mchostctl`
#   install     make install-tools into scratch DESTDIRs: the file list and
#               modes, PREFIX, the configuration never overwritten; make
#               install with each test kernel's module (modules-plain):
#               the module's path, version and vermagic, no depmod
#   unit        systemd-analyze verify of the installed unit, in a scratch
#               root that has the programs and man pages it names
#   usage       the scripts' --help, printed from their headers by lib.sh's
#               mchost_usage (exact on a sample header)
#
# Each check prints ok/FAIL; the exit status is 1 if any failed. What runs
# against a kernel (joins, flush, apply, save, pending, the unit's commands)
# is the VM test scripts/vmtests/t95-deploy.py.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd -- "$ROOT"
ver=$(<VERSION)
ctl=$ROOT/build/mchostctl
[[ -x $ctl ]] || die "$ctl is missing: make cli"
tmp=$(mktemp -d /var/tmp/mchost-cli-test.XXXXXX)
trap 'rm -rf -- "$tmp"' EXIT
npass=0 nfail=0

ok() {
	npass=$((npass + 1))
	echo "ok      $*"
}
bad() {
	nfail=$((nfail + 1))
	echo "FAIL    $*"
}

# check NAME RC STDOUT STDERR CMD...: CMD's exit status, stdout and stderr
# must be exactly these.
check() {
	local name=$1 rc=$2 out=$3 err=$4 grc=0
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null || grc=$?
	printf '%s' "$out" >"$tmp/want.out"
	printf '%s' "$err" >"$tmp/want.err"
	if [[ $grc == "$rc" ]] && cmp -s "$tmp/out" "$tmp/want.out" &&
		cmp -s "$tmp/err" "$tmp/want.err"; then
		ok "$name"
		return
	fi
	bad "$name: $*"
	[[ $grc == "$rc" ]] || echo "    exit status $grc, want $rc"
	diff -u --label want --label got "$tmp/want.out" "$tmp/out" | sed 's/^/    stdout /' || true
	diff -u --label want --label got "$tmp/want.err" "$tmp/err" | sed 's/^/    stderr /' || true
}

# ---------------------------------------------------------------- the CLI

usage="Usage: mchostctl [OPTIONS] COMMAND [ARGUMENTS]
       mchostctl [OPTIONS] -b FILE
       mchostctl help [COMMAND] | COMMAND help | -V
Commands (or a prefix that names one):
  join   dev DEV group G [mode include|exclude] [source S]... [hold | pending]
  leave  dev DEV group G [if-exists]
  flush  [dev DEV]
  show   [dev DEV]
  save   [dev DEV]
  apply  FILE
  ifaces [dev DEV]
  set    dev DEV SETTING VALUE [SETTING VALUE]...
  monitor
  stats  [dev DEV]
  help   [COMMAND]
Options:
  -j, --json         JSON output for show, save, ifaces, monitor, stats
  -p, --pretty       with -j: indented JSON
  -d, --details      show: the owners; ifaces: the querier state
  -f, --force        leave: no error if there is no such membership
  -n, --netns NETNS  run in network namespace NETNS (as ip -n)
  -b, --batch FILE   run the commands in FILE, one per line (- is stdin)
  -V, --version      print the versions of mchostctl and of the module
  -h, --help         print this help
Exit status: 0 success, 1 error, 2 usage error.
"
join_help="Usage: mchostctl join dev DEV group G [mode include|exclude] [source S]... [hold | pending]
Set the filter of a membership (full-state: it replaces the last one).
  mode include   from the listed sources only (default with sources)
  mode exclude   from every source but these (default without)
  hold           the membership belongs to this process, which stays
                 running; it ends when the process is killed
  pending        also for a device that does not exist yet: the membership
                 is kept and applied when a device of that name appears
"
leave_help="Usage: mchostctl leave dev DEV group G [if-exists]
Drop the persistent filter of a membership.
  if-exists      no error if there is no such membership (as option -f)
"
save_help="Usage: mchostctl save [dev DEV]
Print the persistent filters as a batch of joins.
  save > FILE; flush; -b FILE restores the persistent memberships
"
apply_help="Usage: mchostctl apply FILE
Make the persistent memberships exactly the joins of FILE.
  FILE has join lines (no hold), blank lines and # comments; - is stdin.
  Every join is set, and every persistent membership not listed is
  left. If a line does not parse, nothing changes.
"
stats_help="Usage: mchostctl stats [dev DEV]
Print the IGMP and MLD counters (of DEV).
  Without dev, the namespace's (/proc/net/mchost). A device counts what
  it received and sent; a message on a device mchost has no state for
  counts in the namespace only.
"
monitor_help="Usage: mchostctl monitor
Print membership and compatibility-mode changes as they happen.
  One line (-j: one JSON object) per change, until interrupted:
  join, change, leave, owner-gone or device-gone, then the
  membership as show -d prints it (owners 0: it is gone); or
  compat, the device and its new igmp_version or mld_version.
"
# The host kernel has no mchost: a command that gets as far as netlink
# fails with this, which shows that it parsed.
unloaded='Error: mchost is not loaded (generic netlink family "mchost" not found)
'

check "no arguments: the usage, status 2" 2 "$usage" "" "$ctl"
check "-h" 0 "$usage" "" "$ctl" -h
check "--help" 0 "$usage" "" "$ctl" --help
check "help" 0 "$usage" "" "$ctl" help
check "h: a prefix of help" 0 "$usage" "" "$ctl" h
check "join help" 0 "$join_help" "" "$ctl" join help
check "j help: a prefix" 0 "$join_help" "" "$ctl" j help
check "help join" 0 "$join_help" "" "$ctl" help join
check "help l: a prefix" 0 "$leave_help" "" "$ctl" help l
check "sa help" 0 "$save_help" "" "$ctl" sa help
check "apply help" 0 "$apply_help" "" "$ctl" apply help
check "stats help" 0 "$stats_help" "" "$ctl" stats help
check "mo help: a prefix of monitor" 0 "$monitor_help" "" "$ctl" mo help
check "monitor takes no argument" 2 "" 'Error: unexpected argument "x" for monitor
'"$monitor_help" "$ctl" monitor x
check "join help after keywords" 0 "$join_help" "" "$ctl" join dev eth0 help
check "help of an unknown command" 2 "" 'Error: unknown command "nope"
' "$ctl" help nope
check "ambiguous command s" 2 "" 'Error: command "s" is ambiguous: show, save, set, stats
'"$usage" "$ctl" s
check "unknown command" 2 "" 'Error: unknown command "joinx"
'"$usage" "$ctl" joinx
check "empty command" 2 "" 'Error: unknown command ""
'"$usage" "$ctl" ""
check "sh is show" 1 "" "$unloaded" "$ctl" sh
check "show -d (details)" 1 "" "$unloaded" "$ctl" -d show
check "i is ifaces" 1 "" "$unloaded" "$ctl" i dev lo
check "f is flush" 1 "" "$unloaded" "$ctl" f
check "m is monitor" 1 "" "$unloaded" "$ctl" m
check "keyword prefixes: j d g m s" 1 "" "$unloaded" \
	"$ctl" j d eth0 g 239.1.1.1 m in s 192.0.2.1 s 192.0.2.2
check "mode e is exclude, and pending" 1 "" "$unloaded" \
	"$ctl" join dev eth0 group ff3e::1 mode e pending
check "leave if-exists, as the prefix if" 1 "" "$unloaded" \
	"$ctl" leave d eth0 g 239.1.1.1 if
check "-f leave" 1 "" "$unloaded" "$ctl" -f leave dev eth0 group 239.1.1.1
check "an invalid mode" 2 "" 'Error: invalid mode "x" (expected include or exclude)
'"$join_help" "$ctl" join dev eth0 group 239.1.1.1 mode x
check "hold with pending" 2 "" 'Error: pending memberships are persistent: no hold
'"$join_help" "$ctl" join dev eth0 group 239.1.1.1 hold pending
check "a keyword of another command" 2 "" 'Error: unexpected argument "pending" for leave
'"$leave_help" "$ctl" leave dev eth0 group 239.1.1.1 pending
check "a missing value" 2 "" 'Error: missing value after "group"
'"$leave_help" "$ctl" leave dev eth0 group
# mchostctl reads IPv4 addresses itself (util.c): exactly the strings
# inet_pton(AF_INET) takes, four decimal numbers to 255, no leading zero.
for a in 01.2.3.4 1.2.3.00 1.2.3.256 1.2.3.2550 1.2.3 1.2.3.4. .1.2.3 \
	1..2.3 1.2.3.4x 1.2.3.-4 '1.2.3. 4' 0x1.2.3.4 1.2.3.4/32 ''; do
	check "group \"$a\" is no address" 2 "" "Error: invalid group address \"$a\"
$join_help" "$ctl" join dev eth0 group "$a"
done
for a in 0.0.0.0 255.255.255.255 239.10.100.1 ::ffff:239.1.2.3; do
	check "group $a is an address" 1 "" "$unloaded" \
		"$ctl" join dev eth0 group "$a"
done
set_help="Usage: mchostctl set dev DEV SETTING VALUE [SETTING VALUE]...
Set what the module parameters set, for one device.
  igmp_version 1|2|3   the highest IGMP version (force_igmp_version)
  mld_version 1|2      the highest MLD version (force_mld_version)
  robustness N         the Robustness Variable until a querier sets one
  report_link_local 0|1  report 224.0.0.x and ff02:: groups
  Each value may be \"default\": the module parameter applies again.
  A lower version applies at once; \"ifaces\" shows the settings.
"
check "set help" 0 "$set_help" "" "$ctl" set help
check "set without a setting" 2 "" 'Error: set needs a SETTING and its VALUE
'"$set_help" "$ctl" set dev eth0
check "set robustness out of range" 2 "" 'Error: invalid robustness "8" (1 to 7, or default)
'"$set_help" "$ctl" set dev eth0 robustness 8
check "set mld_version 3" 2 "" 'Error: invalid mld_version "3" (1 to 2, or default)
'"$set_help" "$ctl" set dev eth0 mld_version 3
check "set, prefixes and default" 1 "" "$unloaded" \
	"$ctl" se d eth0 i 2 m default ro 3 rep 0
check "a missing keyword" 2 "" 'Error: join needs "group G"
'"$join_help" "$ctl" join dev eth0
check "a device name too long" 2 "" 'Error: invalid device name "0123456789abcdef"
'"$leave_help" "$ctl" leave dev 0123456789abcdef group 239.1.1.1
check "apply needs FILE" 2 "" 'Error: apply needs FILE
'"$apply_help" "$ctl" apply
check "stats takes no group" 2 "" 'Error: unexpected argument "group" for stats
'"$stats_help" "$ctl" stats group 239.1.1.1
check "stats dev needs DEV" 2 "" 'Error: missing value after "dev"
'"$stats_help" "$ctl" stats dev
check "stats dev: the module over netlink" 1 "" "$unloaded" "$ctl" stats dev lo
check "stats d: a prefix of dev" 1 "" "$unloaded" "$ctl" st d lo
check "an unknown option" 2 "" 'Error: unknown option -Z
'"$usage" "$ctl" -Z show
check "a value for a flag" 2 "" 'Error: option --json=1 takes no value
'"$usage" "$ctl" --json=1 show
check "-n without NETNS" 2 "" 'Error: option -n needs a NETNS
'"$usage" "$ctl" -n
check "-n of a missing namespace (as ip -n: status 1)" 1 "" \
	'Error: cannot open network namespace "mchost-no-such-ns": No such file or directory
' "$ctl" -n mchost-no-such-ns show
check "-n of a missing path" 1 "" \
	'Error: cannot open network namespace "/nonexistent/ns": No such file or directory
' "$ctl" --netns /nonexistent/ns show
check "-n is not needed for a usage error" 2 "" 'Error: unknown command "nope"
'"$usage" "$ctl" -n mchost-no-such-ns nope
check "-V, module not loaded" 0 "mchostctl $ver
mchost module not loaded
" "" "$ctl" -V
check "--version" 0 "mchostctl $ver
mchost module not loaded
" "" "$ctl" --version
check "-V takes no command" 2 "" 'Error: -V takes no COMMAND
'"$usage" "$ctl" -V show
check "-b with a command" 2 "" 'Error: no COMMAND allowed with -b
'"$usage" "$ctl" -b /dev/null show

# A build that reads a fake /proc/net/mchost and /sys/module/mchost.
fake=$tmp/fake
mkdir -p "$fake/proc" "$fake/sys/module/mchost"
printf 'rcv_total 7\nrcv_tooshort 0\n' >"$fake/proc/igmp"
printf 'rcv_total 3\nrcv_tooshort 1\n' >"$fake/proc/mld"
printf '%s\n' "$ver" >"$fake/sys/module/mchost/version"
make -s -C "$ROOT" cli BUILD="$tmp/fakebuild" \
	CC="${CC:-cc} '-DMCHOST_PROC_DIR=\"$fake/proc\"' '-DMCHOST_SYSMOD_DIR=\"$fake/sys/module/mchost\"'" >/dev/null
fctl=$tmp/fakebuild/mchostctl
check "-V, module loaded" 0 "mchostctl $ver
mchost module $ver
" "" "$fctl" -V
rm "$fake/sys/module/mchost/version"
check "-V, module loaded without a version" 0 "mchostctl $ver
mchost module loaded, without a version
" "" "$fctl" -V
check "stats without dev reads /proc, not netlink" 0 "igmp rcv_total 7
igmp rcv_tooshort 0
mld rcv_total 3
mld rcv_tooshort 1
" "" "$fctl" stats
check "st is stats" 0 "igmp rcv_total 7
igmp rcv_tooshort 0
mld rcv_total 3
mld rcv_tooshort 1
" "" "$fctl" st
check "-p without -j changes nothing" 0 "igmp rcv_total 7
igmp rcv_tooshort 0
mld rcv_total 3
mld rcv_tooshort 1
" "" "$fctl" -p stats
check "-j stats" 0 '{"igmp":{"rcv_total":7,"rcv_tooshort":0},"mld":{"rcv_total":3,"rcv_tooshort":1}}
' "" "$fctl" -j stats
check "-j -p stats: pretty JSON" 0 '{
    "igmp": {
        "rcv_total": 7,
        "rcv_tooshort": 0
    },
    "mld": {
        "rcv_total": 3,
        "rcv_tooshort": 1
    }
}
' "" "$fctl" -j -p stats
if python3 -c 'import json, sys; json.load(sys.stdin)' <"$tmp/out"; then
	ok "-j -p stats parses as JSON"
else
	bad "-j -p stats does not parse as JSON"
fi
: >"$fake/proc/mld"
check "-j -p: an empty object stays {}" 0 '{
    "igmp": {
        "rcv_total": 7,
        "rcv_tooshort": 0
    },
    "mld": {}
}
' "" "$fctl" -jp stats

# ------------------------------------------------------------ man pages

for page in man/mchostctl.8 man/mchost.7; do
	if LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -l "$page" >"$tmp/man.out" 2>"$tmp/man.err" &&
		[[ ! -s $tmp/man.err && -s $tmp/man.out ]]; then
		ok "man -l $page: renders without warnings ($(wc -l <"$tmp/man.out") lines)"
	else
		bad "man -l $page:"
		sed 's/^/    /' "$tmp/man.err"
	fi
done

# mchost.7 documents the counters of module/stats.c and the parameters of
# module/params.c, all and in order: a new one must be documented.
want=$(sed -n 's/^[[:space:]]*MCHOST_NAME([A-Z0-9_]*)[[:space:]]*= "\([a-z0-9_]*\)",.*/\1/p' module/stats.c)
# The terms of the .TP paragraphs: ".B name" or ".BR a ", " b ...".
got=$(awk '/^\.SH /{ on = ($2 == "COUNTERS") } on && tp { print } { tp = ($0 == ".TP") }' man/mchost.7 |
	sed -e 's/^\.BR\? //' -e 's/"[^"]*"//g' | tr -s ' ' '\n' | grep .)
if [[ -n $want && $got == "$want" ]]; then
	ok "mchost.7: the $(wc -l <<<"$want") counters of module/stats.c, in order"
else
	bad "mchost.7 COUNTERS differ from module/stats.c:"
	diff <(echo "$want") <(echo "$got") | sed 's/^/    /' || true
fi
want=$(sed -n 's/^module_param_cb(\([a-z0-9_]*\),.*/\1/p' module/params.c)
got=$(sed -n '/^\.SH PARAMETERS/,/^\.SH /s/^\.BR \([a-z0-9_]*\) .*/\1/p' man/mchost.7)
if [[ -n $want && $got == "$want" ]]; then
	ok "mchost.7: the $(wc -l <<<"$want") parameters of module/params.c, in order"
else
	bad "mchost.7 PARAMETERS differ from module/params.c:"
	diff <(echo "$want") <(echo "$got") | sed 's/^/    /' || true
fi

# ------------------------------------------------------- bash completion

# Stubs: `ip` lists three links and two namespaces; the mchostctl that is
# completed lists two memberships. Both log their arguments.
stub=$tmp/stub
mkdir -p "$stub"
cat >"$stub/ip" <<'EOF'
#!/bin/sh
echo "ip $*" >>"$STUBLOG"
case "$*" in
*"netns list"*) printf 'red (id: 0)\nblue\n' ;;
*"link show"*)
	printf '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n'
	printf '2: eth0: <BROADCAST,MULTICAST,UP> mtu 1500\n'
	printf '3: veth0@if4: <BROADCAST,MULTICAST> mtu 1500\n'
	;;
esac
EOF
cat >"$stub/mchostctl" <<'EOF'
#!/bin/sh
echo "mchostctl $*" >>"$STUBLOG"
echo "dev eth0 group 232.1.1.1 mode include source 192.0.2.1"
echo "dev eth0 group ff3e::1 mode exclude pending"
EOF
chmod +x "$stub/ip" "$stub/mchostctl"
export STUBLOG=$tmp/stub.log

# complete WORDS...: the candidates for the last word (sorted, one line),
# then the stubs' calls, as a non-interactive bash computes them.
complete_words() {
	: >"$STUBLOG"
	PATH="$stub:$PATH" bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_mchostctl "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | paste -s -d " " -
	' complete "$ROOT/dist/mchostctl.bash" "$@"
	sed 's/^/calls: /' "$STUBLOG"
}

# ccheck "WORDS" "CANDIDATES" [CALLS...]
ccheck() {
	local words=$1 want=$2 got
	shift 2
	# shellcheck disable=SC2086 # WORDS is split on purpose
	got=$(complete_words $words "${cur-}")
	want=$(printf '%s\n' "$want" "${@/#/calls: }")
	if [[ $got == "$want" ]]; then
		ok "completion of '${words#"$stub/"} ${cur-}'"
	else
		bad "completion of '${words#"$stub/"} ${cur-}': want"
		printf '%s\n' "$want" | sed 's/^/    /'
		echo "  got"
		printf '%s\n' "$got" | sed 's/^/    /'
	fi
}

got=$(bash --norc --noprofile -c '. "$1"; complete -p mchostctl' c "$ROOT/dist/mchostctl.bash")
if [[ $got == "complete -F _mchostctl mchostctl" ]]; then
	ok "complete -p mchostctl: $got"
else
	bad "complete -p mchostctl: $got"
fi
cur="" ccheck "$stub/mchostctl" "apply flush help ifaces join leave monitor save set show stats"
cur=s ccheck "$stub/mchostctl" "save set show stats"
cur=- ccheck "$stub/mchostctl" "--batch --details --force --help --json --netns --pretty --version -V -b -d -f -h -j -n -p"
cur=--n ccheck "$stub/mchostctl" "--netns"
cur="" ccheck "$stub/mchostctl -n" "blue red" "ip netns list"
cur="" ccheck "$stub/mchostctl -j -n red" "apply flush help ifaces join leave monitor save set show stats"
cur="" ccheck "$stub/mchostctl join" "dev group hold mode pending source"
cur="" ccheck "$stub/mchostctl join dev" "eth0 lo veth0" "ip -o link show"
cur=e ccheck "$stub/mchostctl -n red j dev" "eth0" "ip -n red -o link show"
cur="" ccheck "$stub/mchostctl join dev eth0 group 239.1.1.1" "hold mode pending source"
cur="" ccheck "$stub/mchostctl join dev eth0 group 239.1.1.1 hold source 10.0.0.1" "mode source"
cur="" ccheck "$stub/mchostctl join dev eth0 pending" "group mode source"
cur="" ccheck "$stub/mchostctl join dev eth0 mode" "exclude include"
cur="" ccheck "$stub/mchostctl join dev eth0 group" ""
cur="" ccheck "$stub/mchostctl leave" "dev group if-exists"
cur="" ccheck "$stub/mchostctl leave dev eth0 group" "232.1.1.1 ff3e::1" "mchostctl show dev eth0"
cur=f ccheck "$stub/mchostctl -n red l group" "ff3e::1" "mchostctl -n red show"
cur="" ccheck "$stub/mchostctl leave dev eth0 group 232.1.1.1" "if-exists"
cur="" ccheck "$stub/mchostctl show" "dev"
cur="" ccheck "$stub/mchostctl set dev eth0" "igmp_version mld_version report_link_local robustness"
cur="" ccheck "$stub/mchostctl set dev eth0 robustness 3" "igmp_version mld_version report_link_local"
cur="" ccheck "$stub/mchostctl set dev eth0 mld_version" "1 2 default"
cur=d ccheck "$stub/mchostctl set dev eth0 report_link_local" "default"
cur="" ccheck "$stub/mchostctl show dev eth0" ""
cur="" ccheck "$stub/mchostctl stats" "dev"
cur="" ccheck "$stub/mchostctl stats dev" "eth0 lo veth0" "ip -o link show"
cur=v ccheck "$stub/mchostctl -n red st dev" "veth0" "ip -n red -o link show"
cur="" ccheck "$stub/mchostctl stats dev eth0" ""
cur="" ccheck "$stub/mchostctl s" ""
cur=j ccheck "$stub/mchostctl help" "join"
cur="" ccheck "$stub/mchostctl help join" ""

# -------------------------------------------------------------- install

dest=$tmp/dest
make -s -C "$ROOT" install-tools DESTDIR="$dest" >"$tmp/install.out"
got=$(cd "$dest" && find . -printf '%M %p\n' | LC_ALL=C sort -k 2)
want="drwxr-xr-x .
drwxr-xr-x ./etc
drwxr-xr-x ./etc/mchost
-rw-r--r-- ./etc/mchost/mchost.conf
drwxr-xr-x ./usr
drwxr-xr-x ./usr/local
drwxr-xr-x ./usr/local/include
drwxr-xr-x ./usr/local/include/linux
-rw-r--r-- ./usr/local/include/linux/mchost.h
drwxr-xr-x ./usr/local/lib
drwxr-xr-x ./usr/local/lib/systemd
drwxr-xr-x ./usr/local/lib/systemd/system
-rw-r--r-- ./usr/local/lib/systemd/system/mchost.service
drwxr-xr-x ./usr/local/sbin
-rwxr-xr-x ./usr/local/sbin/mchostctl
drwxr-xr-x ./usr/local/share
drwxr-xr-x ./usr/local/share/bash-completion
drwxr-xr-x ./usr/local/share/bash-completion/completions
-rw-r--r-- ./usr/local/share/bash-completion/completions/mchostctl
drwxr-xr-x ./usr/local/share/man
drwxr-xr-x ./usr/local/share/man/man7
-rw-r--r-- ./usr/local/share/man/man7/mchost.7
drwxr-xr-x ./usr/local/share/man/man8
-rw-r--r-- ./usr/local/share/man/man8/mchostctl.8
drwxr-xr-x ./usr/local/share/ynl
drwxr-xr-x ./usr/local/share/ynl/specs
-rw-r--r-- ./usr/local/share/ynl/specs/mchost.yaml"
tools_files=$(grep -- '^-' <<<"$want")
if [[ $got == "$want" ]]; then
	ok "make install-tools DESTDIR: $(grep -c -- '^-' <<<"$want") files, PREFIX /usr/local"
else
	bad "make install-tools DESTDIR: files differ"
	diff <(echo "$want") <(echo "$got") | sed 's/^/    /' || true
fi
same=1
for pair in "build/mchostctl usr/local/sbin/mchostctl" \
	"man/mchostctl.8 usr/local/share/man/man8/mchostctl.8" \
	"man/mchost.7 usr/local/share/man/man7/mchost.7" \
	"include/uapi/linux/mchost.h usr/local/include/linux/mchost.h" \
	"Documentation/netlink/specs/mchost.yaml usr/local/share/ynl/specs/mchost.yaml" \
	"dist/mchostctl.bash usr/local/share/bash-completion/completions/mchostctl" \
	"dist/mchost.conf etc/mchost/mchost.conf"; do
	# shellcheck disable=SC2086 # two words
	set -- $pair
	cmp -s "$1" "$dest/$2" || { bad "$dest/$2 is not $1"; same=0; }
done
((same)) && ok "installed files are the tree's"
grep '^Exec' "$dest/usr/local/lib/systemd/system/mchost.service" >"$tmp/exec"
printf '%s\n' "ExecStartPre=/sbin/modprobe mchost" \
	"ExecStart=/usr/local/sbin/mchostctl apply /etc/mchost/mchost.conf" \
	"ExecReload=/usr/local/sbin/mchostctl apply /etc/mchost/mchost.conf" >"$tmp/exec.want"
if cmp -s "$tmp/exec" "$tmp/exec.want" &&
	! grep -q @ "$dest/usr/local/lib/systemd/system/mchost.service"; then
	ok "mchost.service: the Exec lines name PREFIX's mchostctl"
else
	bad "mchost.service Exec lines:"
	diff "$tmp/exec.want" "$tmp/exec" | sed 's/^/    /' || true
fi
echo "join dev eth0 group 239.9.9.9" >"$dest/etc/mchost/mchost.conf"
make -s -C "$ROOT" install-tools DESTDIR="$dest" >"$tmp/install.out"
if [[ $(<"$dest/etc/mchost/mchost.conf") == "join dev eth0 group 239.9.9.9" ]] &&
	grep -qx "keeping $dest/etc/mchost/mchost.conf" "$tmp/install.out"; then
	ok "a second install keeps the edited mchost.conf, and says so"
else
	bad "the second install overwrote mchost.conf or did not say so"
fi

# ------------------------------------------------- make install DESTDIR
# The whole `make install` into a DESTDIR, for each kernel the VM tests
# boot, with the module that `make modules-plain` built for it: the tools
# above plus the module, its version and vermagic, and no depmod. (In a
# guest, each kbuild pass costs a minute of compiler probes under TCG:
# t95-deploy runs only the real install there.)
mod_suffix() {
	local conf=$1/include/config/auto.conf opt
	for opt in XZ:.xz ZSTD:.zst GZIP:.gz; do
		if grep -qx "CONFIG_MODULE_COMPRESS_${opt%%:*}=y" "$conf"; then
			echo "${opt#*:}"
			return
		fi
	done
}
krels=("$(mchost_kver 6.1)" "$(mchost_kver 6.12)" "$(mchost_kver "$MCHOST_DEBUG_SERIES")")
for krel in "${krels[@]}"; do
	kdir=$(mchost_kdir "$krel")
	plain=$ROOT/build/plain-$krel
	if [[ ! -f $plain/mchost.ko ]]; then
		bad "make install DESTDIR ($krel): $plain/mchost.ko is missing (make modules-plain)"
		continue
	fi
	dest=$tmp/install-$krel
	ko=lib/modules/$krel/updates/mchost.ko$(mod_suffix "$kdir")
	if ! make -s -C "$ROOT" install KDIR="$kdir" MODULE_BUILD="$plain" \
		DESTDIR="$dest" >"$tmp/install.out" 2>&1; then
		bad "make install DESTDIR ($krel) failed:"
		sed 's/^/    /' "$tmp/install.out"
		continue
	fi
	got=$(cd "$dest" && find . -type f -printf '%M %p\n' | LC_ALL=C sort -k 2)
	want=$(printf '%s\n' "$tools_files" "-rw-r--r-- ./$ko" | LC_ALL=C sort -k 2)
	note=$(grep '^DESTDIR' "$tmp/install.out" || true)
	if [[ $got == "$want" && $note == "DESTDIR is set: run 'depmod $krel' on the target" ]] &&
		[[ ! -e $dest/lib/modules/$krel/modules.dep ]]; then
		ok "make install DESTDIR ($krel): the tools and $ko, no depmod (the note says to run it)"
	else
		bad "make install DESTDIR ($krel): files or the depmod note differ (note: $note)"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /' || true
	fi
	check "$krel module: MODULE_VERSION" 0 "$ver"$'\n' "" modinfo -F version "$dest/$ko"
	vermagic=$(modinfo -F vermagic "$dest/$ko" 2>/dev/null || true)
	if [[ ${vermagic%% *} == "$krel" ]]; then
		ok "$krel module: vermagic $krel"
	else
		bad "$krel module: vermagic '$vermagic', want $krel"
	fi
done

# ------------------------------------------------------- the systemd unit

root=$tmp/root
make -s -C "$ROOT" install-tools DESTDIR="$root" PREFIX=/usr >/dev/null
mkdir -p "$root/sbin"
cp /sbin/modprobe "$root/sbin/modprobe"
unit=$root/usr/lib/systemd/system/mchost.service
if [[ $(grep '^ExecStart=' "$unit") == "ExecStart=/usr/sbin/mchostctl apply /etc/mchost/mchost.conf" ]]; then
	ok "PREFIX=/usr: the unit names /usr/sbin/mchostctl"
else
	bad "PREFIX=/usr: $(grep '^ExecStart=' "$unit")"
fi
# Any output is a finding; the man pages for Documentation= are the ones
# installed in the scratch root.
if MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" mchost.service >"$tmp/verify" 2>&1 &&
	[[ ! -s $tmp/verify ]]; then
	ok "systemd-analyze verify mchost.service (programs and man pages in the root)"
else
	bad "systemd-analyze verify mchost.service:"
	sed 's/^/    /' "$tmp/verify"
fi
# The check can fail: without the program it names, verify complains.
rm "$root/usr/sbin/mchostctl"
if ! MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" mchost.service >"$tmp/verify" 2>&1 &&
	grep -q 'mchostctl is not executable' "$tmp/verify"; then
	ok "systemd-analyze verify fails when ExecStart's program is missing"
else
	bad "systemd-analyze verify did not notice a missing mchostctl:"
	sed 's/^/    /' "$tmp/verify"
fi

# ------------------------------------------------------ the scripts' usage

# mchost_usage / mchost_usage_all (lib.sh) on a header with every case:
# directive lines, a paragraph before Usage, an indented option list after
# a blank line, and the paragraph that ends the usage.
cat >"$tmp/hdr.sh" <<EOF
#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# Does a thing.
#
# Usage: hdr.sh [--x]
#
#   --x   the x
#
# More about it.
set -euo pipefail
. "$ROOT/scripts/lib.sh"
case \$1 in
all) mchost_usage_all ;;
*) mchost_usage ;;
esac
EOF
check "mchost_usage: the Usage paragraph and its indented options" 0 "" \
	$'Usage: hdr.sh [--x]\n\n  --x   the x\n' bash "$tmp/hdr.sh" usage
check "mchost_usage_all: the header without shebang, SPDX or directives" 0 "" \
	$'Does a thing.\n\nUsage: hdr.sh [--x]\n\n  --x   the x\n\nMore about it.\n' \
	bash "$tmp/hdr.sh" all
# Each script's --help: its own text, starting where it should, exit status
# 2 (0 for debug-kernel.sh, whose --help is not an error); no comment or
# directive line leaks in.
for s in bench.sh:2:Usage stress.sh:2:Usage vm.sh:2:Usage fuzz.sh:2:Usage \
	mchostctl/test-golden.sh:2:Usage vmtest.sh:2:The \
	debug-kernel.sh:0:Build; do
	IFS=: read -r f want first <<<"$s"
	grc=0
	bash "scripts/$f" --help >"$tmp/out" 2>"$tmp/err" </dev/null || grc=$?
	if [[ $grc == "$want" && ! -s $tmp/out ]] &&
		[[ $(head -n 1 "$tmp/err") == "$first"* ]] &&
		[[ -n $(tail -n 1 "$tmp/err") ]] &&
		! grep -E -q '^(#|shellcheck|SPDX)' "$tmp/err"; then
		ok "scripts/$f --help: $(wc -l <"$tmp/err") lines from its header"
	else
		bad "scripts/$f --help: exit status $grc (want $want), output:"
		sed 's/^/    /' "$tmp/err" "$tmp/out"
	fi
done

echo "cli-test: $npass passed, $nfail failed"
((nfail == 0))
