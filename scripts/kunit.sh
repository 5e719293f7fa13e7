#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# Run the mchost KUnit suites on a UML kernel built from linux-source-6.12.
#
# Usage: scripts/kunit.sh [FILTER_GLOB] [other kunit.py run options]
#        scripts/kunit.sh --unpack-only   only make sure the source tree is
#                                         unpacked (used by scripts/style.sh)
#   scripts/kunit.sh                    all mchost suites
#   scripts/kunit.sh 'mchost_slist*'    only matching suites (kunit.py glob)
#   scripts/kunit.sh 'mchost_wire.*v3*' suite.test glob
#
# What it does (see docs/harness.md, "KUnit on UML from linux-source-6.12"):
#  - unpacks /usr/src/linux-source-6.12.tar.xz to $MCHOST_CACHE/src once
#    (marker file .unpacked-linux-source-6.12), calling scripts/deps.sh first
#    if the tarball or the build tools are missing;
#  - links the project into the tree as <tree>/mchost (re-pointed on every
#    run, so a clone at any path works) and adds `source "mchost/Kconfig"` /
#    `obj-y += mchost/` to the tree's top Kconfig / Kbuild once;
#  - runs kunit.py with kunit/.kunitconfig in $MCHOST_CACHE/kunit/um-<hash of
#    the kunitconfig>, so each config keeps its own warm build dir;
#  - fails if an option of the kunitconfig is missing from the .config, if
#    kunit.py fails, if no test ran, or if the kernel log shows a lockdep,
#    RCU, atomic-sleep, debugobjects, KASAN, UBSAN, WARN, BUG, Oops or panic
#    report (lockdep & co. do not fail a KUnit test by themselves).
#
# The last line printed is always `kunit: N passed, N failed`.
#
# Environment:
#   MCHOST_CACHE_OVERRIDE relocates $MCHOST_CACHE (default from kernels.env).
#   MCHOST_KUNIT_PROJECT  directory linked as <tree>/mchost instead of the
#                         repo root (to test this runner with a throwaway
#                         suite; the kunitconfig still comes from the repo).
#   MCHOST_KUNIT_JOBS     make -j (default: nproc).
#
# Runs are serialized with a lock under $MCHOST_CACHE/kunit, since the tree's
# `mchost` link is shared by every clone on the machine.

set -euo pipefail

ku_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -f $ku_here/lib.sh ]]; then
	# Sets ROOT and MCHOST_CACHE (kernels.env, MCHOST_CACHE_OVERRIDE).
	# shellcheck source=lib.sh
	. "$ku_here/lib.sh"
else
	# Same as lib.sh does, for a tree without it.
	ROOT=$(cd "$ku_here/.." && pwd -P)
	# shellcheck source=kernels.env
	. "$ROOT/scripts/kernels.env"
	MCHOST_CACHE=${MCHOST_CACHE_OVERRIDE:-$MCHOST_CACHE}
fi

KU_SERIES=linux-source-6.12
KU_TARBALL=/usr/src/$KU_SERIES.tar.xz
KU_SRC=$MCHOST_CACHE/src
KU_TREE=$KU_SRC/$KU_SERIES
KU_MARKER=$KU_SRC/.unpacked-$KU_SERIES
KU_LINK=mchost
KU_KUNITCONFIG=$ROOT/kunit/.kunitconfig
KU_PROJECT=$(cd "${MCHOST_KUNIT_PROJECT:-$ROOT}" && pwd -P)
KU_JOBS=${MCHOST_KUNIT_JOBS:-$(nproc)}

# Kernel log lines that mean a failure even when every KUnit test passed.
KU_BAD_RE='BUG:|WARNING:|ODEBUG:|possible circular locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|KASAN|UBSAN|possible recursive locking|Kernel panic|Oops'
# Known-benign lines matching KU_BAD_RE at UML boot (none seen with
# kunit/.kunitconfig on 6.12; extend with care, as an ERE).
KU_BENIGN_RE=''

ku_log() { printf 'kunit.sh: %s\n' "$*" >&2; }
ku_passed=0
ku_failed=0
ku_final() { printf 'kunit: %d passed, %d failed\n' "$ku_passed" "$ku_failed"; }
ku_die() {
	ku_log "error: $*"
	ku_final
	exit 1
}

ku_need_deps() {
	local t
	[[ -f $KU_TARBALL ]] || return 0
	for t in gcc make flex bison bc perl python3 tar xz; do
		command -v "$t" >/dev/null 2>&1 || return 0
	done
	return 1
}

ku_ensure_deps() {
	ku_need_deps || return 0
	if [[ -x $ROOT/scripts/deps.sh ]]; then
		ku_log "installing dependencies with scripts/deps.sh"
		"$ROOT/scripts/deps.sh"
	elif [[ -f $ROOT/scripts/deps.sh ]]; then
		ku_log "installing dependencies with scripts/deps.sh"
		bash "$ROOT/scripts/deps.sh"
	fi
	if ku_need_deps; then
		ku_die "$KU_TARBALL or a build tool (gcc make flex bison bc perl python3 tar xz) is missing"
	fi
}

# Unpack the tree once; idempotent and safe against concurrent runs.
ku_ensure_tree() {
	[[ -f $KU_MARKER && -f $KU_TREE/Makefile ]] && return 0
	mkdir -p "$KU_SRC"
	(
		flock 9
		[[ -f $KU_MARKER && -f $KU_TREE/Makefile ]] && exit 0
		ku_log "unpacking $KU_TARBALL to $KU_SRC (1.7 GB)"
		rm -f "$KU_MARKER"
		rm -rf "$KU_TREE" "$KU_SRC/.unpack.tmp"
		mkdir "$KU_SRC/.unpack.tmp"
		tar -xJf "$KU_TARBALL" -C "$KU_SRC/.unpack.tmp"
		[[ -f $KU_SRC/.unpack.tmp/$KU_SERIES/Makefile ]] ||
			{ echo "kunit.sh: $KU_TARBALL has no $KU_SERIES/" >&2; exit 1; }
		mv "$KU_SRC/.unpack.tmp/$KU_SERIES" "$KU_TREE"
		rmdir "$KU_SRC/.unpack.tmp"
		echo ok >"$KU_MARKER"
	) 9>"$KU_SRC/.unpack.lock" || ku_die "could not unpack $KU_TARBALL"
}

# The three edits of the tree; all idempotent.
ku_link_project() {
	local link=$KU_TREE/$KU_LINK
	if [[ -e $link && ! -L $link ]]; then
		ku_die "$link exists and is not a symlink"
	fi
	if [[ $(readlink "$link" 2>/dev/null || true) != "$KU_PROJECT" ]]; then
		ln -sfn "$KU_PROJECT" "$link.tmp.$$"
		mv -Tf "$link.tmp.$$" "$link"
	fi
	# Tolerant matches: appending a second copy would build mchost twice.
	grep -qE "^[[:space:]]*source[[:space:]]+\"$KU_LINK/Kconfig\"" "$KU_TREE/Kconfig" ||
		printf '\nsource "%s/Kconfig"\n' "$KU_LINK" >>"$KU_TREE/Kconfig"
	grep -qE "^[[:space:]]*obj-y[[:space:]]*\+=[[:space:]]*$KU_LINK/[[:space:]]*\$" "$KU_TREE/Kbuild" ||
		printf '\nobj-y += %s/\n' "$KU_LINK" >>"$KU_TREE/Kbuild"
}

# Objects in the build dir are found by path (<build>/mchost/...), and make
# only compares mtimes: after the link moves to another checkout whose files
# happen to be older than the objects, they would be reused. Drop the
# project's objects whenever the linked directory changes.
ku_check_project_moved() {
	local stamp=$KU_BUILD/.mchost-project
	if [[ -f $stamp && $(cat "$stamp") == "$KU_PROJECT" ]]; then
		return 0
	fi
	if [[ -e $KU_BUILD/$KU_LINK ]]; then
		ku_log "project moved to $KU_PROJECT: rebuilding its objects"
		rm -rf "${KU_BUILD:?}/$KU_LINK"
	fi
	printf '%s\n' "$KU_PROJECT" >"$stamp"
}

# Every option of the kunitconfig must be in the .config with that value
# (kunit.py checks this too; this names each missing option).
ku_check_config() {
	local cfg=$KU_BUILD/.config missing=0 line name want got
	[[ -f $cfg ]] || return 1
	while IFS= read -r line; do
		line=${line%%[[:space:]]}
		if [[ $line =~ ^CONFIG_([A-Za-z0-9_]+)=(.*)$ ]]; then
			name=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ CONFIG_([A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			name=${BASH_REMATCH[1]} want=n
		else
			continue
		fi
		got=$(sed -n "s/^CONFIG_${name}=//p" "$cfg" | tail -n 1)
		[[ -n $got ]] || got=n
		if [[ $got != "$want" ]]; then
			ku_log "config: CONFIG_$name=$want requested, .config has $got"
			missing=$((missing + 1))
		fi
	done <"$KU_KUNITCONFIG"
	((missing == 0))
}

# Scan the kernel log for reports that do not fail a KUnit test themselves.
ku_scan_log() {
	local log=$1 hits
	hits=$(grep -n -E -- "$KU_BAD_RE" "$log" || true)
	if [[ -n $KU_BENIGN_RE && -n $hits ]]; then
		hits=$(grep -v -E -- "$KU_BENIGN_RE" <<<"$hits" || true)
	fi
	[[ -z $hits ]] && return 0
	ku_log "kernel reports in $log:"
	local n
	# Print each hit with context; merge overlapping windows.
	local lines
	lines=$(cut -d: -f1 <<<"$hits" | tr '\n' ' ')
	awk -v want="$lines" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) hit[w[i]] = 1 }
		{ buf[NR] = $0 }
		END {
			last = 0
			for (l = 1; l <= NR; l++) {
				if (!(l in hit)) continue
				from = l - 3; if (from <= last) from = last + 1; if (from < 1) from = 1
				to = l + 25; if (to > NR) to = NR
				if (from > last + 1 && last) print "    ----"
				for (k = from; k <= to; k++) printf "%s%6d| %s\n", (k in hit) ? ">>" : "  ", k, buf[k]
				if (to > last) last = to
			}
		}' "$log" >&2
	n=$(wc -l <<<"$hits")
	ku_log "$n offending line(s) in the kernel log (patterns: $KU_BAD_RE)"
	return 1
}

main() {
	case ${1:-} in
	-h | --help)
		sed -n '/^# Usage:/,/^# Runs are serialized/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		return 0
		;;
	--unpack-only)
		ku_ensure_deps
		ku_ensure_tree
		return 0
		;;
	esac
	[[ -f $KU_KUNITCONFIG ]] || ku_die "$KU_KUNITCONFIG is missing"
	[[ -f $KU_PROJECT/Kconfig && -f $KU_PROJECT/Kbuild ]] ||
		ku_die "$KU_PROJECT has no Kconfig/Kbuild"
	ku_ensure_deps
	ku_ensure_tree

	local hash
	hash=$(sha256sum "$KU_KUNITCONFIG" | cut -c1-12)
	KU_BUILD=$MCHOST_CACHE/kunit/um-$hash
	mkdir -p "$KU_BUILD"

	exec 8>"$MCHOST_CACHE/kunit/.lock"
	if ! flock -n 8; then
		ku_log "waiting for another kunit.sh run (lock $MCHOST_CACHE/kunit/.lock)"
		flock 8
	fi

	ku_link_project
	ku_check_project_moved

	local out=$KU_BUILD/kunit.out json=$KU_BUILD/results.json rc=0 t0 t1
	rm -f "$KU_BUILD/test.log" "$json"
	ku_log "tree $KU_TREE, project $KU_PROJECT, build dir $KU_BUILD"
	t0=$(date +%s)
	set +e
	(cd "$KU_TREE" && python3 tools/testing/kunit/kunit.py run --arch=um \
		--build_dir="$KU_BUILD" --kunitconfig="$KU_KUNITCONFIG" \
		--jobs="$KU_JOBS" --json="$json" "$@") 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	set -e
	t1=$(date +%s)
	ku_log "kunit.py exited $rc after $((t1 - t0)) s"

	local fail=0
	[[ $rc -eq 0 ]] || fail=1

	if ! ku_check_config; then
		ku_log "error: options of $KU_KUNITCONFIG are missing from $KU_BUILD/.config (unmet dependencies?)"
		fail=1
	fi

	# Compiler warnings in the project's own code: listed, not fatal (the
	# kernel's own, e.g. -Wmissing-prototypes in lib/iomap.c, are ignored).
	local warns
	warns=$(grep -F -e "$KU_TREE/$KU_LINK/" -e "$KU_PROJECT/" "$out" | grep -F ': warning:' || true)
	if [[ -n $warns ]]; then
		ku_log "compiler warnings in project code:"
		printf '%s\n' "$warns" >&2
	fi

	# Counts: kunit.py's own summary line, e.g.
	# "[..] Testing complete. Ran 12 tests: passed: 10, failed: 1, crashed: 1"
	local summary ku_ran=0
	summary=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E 'Testing complete\. Ran [0-9]+ tests' | tail -n 1 || true)
	if [[ -n $summary ]]; then
		local n_pass n_fail n_crash
		ku_ran=$(grep -oE 'Ran [0-9]+ tests' <<<"$summary" | grep -oE '[0-9]+')
		n_pass=$(grep -oE 'passed: [0-9]+' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
		n_fail=$(grep -oE 'failed: [0-9]+' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
		n_crash=$(grep -oE 'crashed: [0-9]+' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
		ku_passed=$n_pass
		ku_failed=$((n_fail + n_crash))
	fi

	if [[ -f $KU_BUILD/test.log ]]; then
		if ! ku_scan_log "$KU_BUILD/test.log"; then
			fail=1
		fi
	elif [[ $rc -eq 0 ]]; then
		ku_log "error: kunit.py succeeded but wrote no $KU_BUILD/test.log"
		fail=1
	fi

	if [[ -n $summary ]]; then
		printf '%s\n' "${summary#*] }"
	fi
	if [[ $ku_ran -eq 0 ]]; then
		ku_log "error: no test ran (filter: ${*:-none})"
		fail=1
	fi
	ku_final
	return "$fail"
}

main "$@"
