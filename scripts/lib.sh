# shellcheck shell=bash source-path=SCRIPTDIR
# Variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034
# Common helpers, sourced by the scripts in scripts/ (bash, `set -euo pipefail`
# friendly: no unset variables, no failing commands at top level).
#
# Sets:
#   ROOT               the repository root (derived from this file's own path)
#   MCHOST_K61, MCHOST_K612, MCHOST_CACHE
#                      from scripts/kernels.env, then overridden by
#                      $MCHOST_CACHE/kernels.resolved if deps.sh had to fall
#                      back from a pinned kernel ABI that the archive dropped
#   MCHOST_PIN_K61, MCHOST_PIN_K612
#                      the pins exactly as written in kernels.env
# Functions:
#   msg, warn, die     log to stderr
#   mchost_kver 6.1|6.12|6.12-debug   print the full kernel release string
#   mchost_kroot REL   the extracted tree of kernel release REL (deps.sh), or
#                      the installed debug kernel (debug-kernel.sh)
#   mchost_kdir REL    its headers (KDIR for module builds)
#   mchost_kimage REL  its compressed kernel image (stock kernels)
#   mchost_kvmlinux REL  its ELF vmlinux, if the cache has one (debug kernel)
#   mchost_moddir REL  its modules directory (modules.dep, *.ko)
#   mchost_debug_key, mchost_debug_release
#                      the cache key and release name of the debug kernel
#   mchost_report_patterns  the kernel-report EREs (scripts/kernel/reports.ere)
#   mchost_guest_hidden PATH  true if a VM guest cannot see the host's PATH
#   mchost_vm_boot_args KVER SERIES KFENCE_MS
#                      the kernel command line of the test VMs (vmtest, stress)
#   mchost_usage, mchost_usage_all  the calling script's usage, from its header

if [[ -z "${ROOT:-}" || ! -f "${ROOT}/scripts/kernels.env" ]]; then
	ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
fi

_mchost_prog=$(basename -- "$0")

msg() { printf '%s: %s\n' "$_mchost_prog" "$*" >&2; }
warn() { printf '%s: WARNING: %s\n' "$_mchost_prog" "$*" >&2; }
die() {
	printf '%s: ERROR: %s\n' "$_mchost_prog" "$*" >&2
	exit 1
}

# kernels.env: plain NAME=value lines (also included by make).
# shellcheck source=kernels.env
. "$ROOT/scripts/kernels.env"
MCHOST_PIN_K61=$MCHOST_K61
MCHOST_PIN_K612=$MCHOST_K612
# Allow the cache to be relocated from the environment (e.g. for tests).
MCHOST_CACHE=${MCHOST_CACHE_OVERRIDE:-$MCHOST_CACHE}

if [[ -f "$MCHOST_CACHE/kernels.resolved" ]]; then
	# Written by deps.sh: MCHOST_K61=... / MCHOST_K612=... only.
	# shellcheck source=/dev/null
	. "$MCHOST_CACHE/kernels.resolved"
fi

# mchost_kver 6.1|6.12: the full release string (uname -r) of that kernel.
mchost_kver() {
	case "${1:-}" in
	6.1) printf '%s\n' "$MCHOST_K61" ;;
	6.12) printf '%s\n' "$MCHOST_K612" ;;
	"$MCHOST_DEBUG_SERIES") mchost_debug_release ;;
	*)
		printf '%s: unknown kernel series %q (want 6.1, 6.12 or %s)\n' "$_mchost_prog" "${1:-}" "$MCHOST_DEBUG_SERIES" >&2
		return 1
		;;
	esac
}

# Test kernels are extracted, never installed (scripts/deps.sh).
mchost_kroot() { printf '%s\n' "$MCHOST_CACHE/kernels/$1"; }
mchost_kdir() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/usr/src/linux-headers-$1"; }
mchost_kimage() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/boot/vmlinuz-$1"; }
mchost_kvmlinux() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/boot/vmlinux-$1"; }
mchost_moddir() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/lib/modules/$1"; }

# The VM guest (vm-guest.sh) mounts its own /proc, /sys, /dev and /run; every
# other host path, /tmp included, is visible in it (scripts/vm.sh).
mchost_guest_hidden() {
	case $1/ in
	/proc/* | /sys/* | /dev/* | /run/*) return 0 ;;
	esac
	return 1
}

# The stock kernel series we test on, in order.
MCHOST_SERIES=(6.1 6.12)

# The sanitizer kernel (KASAN, lockdep, ...), built from linux-source-6.12 by
# scripts/debug-kernel.sh with scripts/kernel/debug.config and installed
# into $MCHOST_CACHE/kernels/<release>/ like the stock kernels. Its release
# is "<source version>-mchost-debug-<8 hex digits of its cache key>", so a
# new config or source gets a new kernel (and a new build/<release>/).
MCHOST_DEBUG_SERIES=6.12-debug
MCHOST_DEBUG_CONFIG=$ROOT/scripts/kernel/debug.config
# Bump when scripts/debug-kernel.sh changes how the kernel is configured or
# built: it is part of the cache key.
MCHOST_DEBUG_RECIPE=1
# The unpacked linux-source-6.12 (scripts/kunit.sh --unpack-only).
MCHOST_SRC_TREE=$MCHOST_CACHE/src/linux-source-6.12
# Its YNL library, which the guest-side Python (scripts/vmtests/mclib.py)
# drives the family with; exported, so that vm.sh hands it to the guest.
export MCHOST_YNL=${MCHOST_YNL:-$MCHOST_SRC_TREE/tools/net/ynl}

# mchost_src_version: the kernel version of the unpacked source (6.12.N).
mchost_src_version() {
	local mk=$MCHOST_SRC_TREE/Makefile v p s
	if [[ ! -f $mk ]]; then
		printf '%s: %s is not unpacked: run make debug-kernel (or scripts/kunit.sh --unpack-only)\n' \
			"$_mchost_prog" "$MCHOST_SRC_TREE" >&2
		return 1
	fi
	v=$(sed -n 's/^VERSION = //p' "$mk" | head -n 1)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$mk" | head -n 1)
	s=$(sed -n 's/^SUBLEVEL = //p' "$mk" | head -n 1)
	[[ -n $v && -n $p && -n $s ]] || {
		printf '%s: cannot read the version of %s\n' "$_mchost_prog" "$mk" >&2
		return 1
	}
	printf '%s.%s.%s\n' "$v" "$p" "$s"
}

# mchost_debug_key: what the debug kernel depends on, hashed: the config
# fragment, the build recipe, the source version and the compiler.
mchost_debug_key() {
	local ver cc
	ver=$(mchost_src_version) || return 1
	cc=$(gcc --version 2>/dev/null | head -n 1)
	{
		printf 'recipe %s\nsource %s\ncompiler %s\n' "$MCHOST_DEBUG_RECIPE" "$ver" "$cc"
		cat -- "$MCHOST_DEBUG_CONFIG"
	} | sha256sum | cut -d' ' -f1
}

mchost_debug_release() {
	local ver key
	ver=$(mchost_src_version) || return 1
	key=$(mchost_debug_key) || return 1
	printf '%s-mchost-debug-%s\n' "$ver" "${key:0:8}"
}

# mchost_report_patterns: the EREs of kernel log lines that are a failure
# (KASAN, lockdep, RCU, UBSAN, KFENCE, WARN, ...), one a line, without the
# comments of scripts/kernel/reports.ere. For `grep -E -f`.
mchost_report_patterns() {
	grep -E -v '^[[:space:]]*(#|$)' -- "$ROOT/scripts/kernel/reports.ere"
}

# mchost_vm_boot_args KVER SERIES KFENCE_MS: the kernel command line of the
# VMs of scripts/vmtest.sh and scripts/stress.sh. Their marks go through
# /dev/kmsg (not rate-limited), and the log buffer must hold the whole run
# for the scan.
mchost_vm_boot_args() {
	local kver=$1 k=$2 kfence_ms=$3 args="printk.devkmsg=on log_buf_len=8M"
	# No user-space ASLR: QEMU/TCG keeps its translations by virtual
	# address, so with randomized mappings every exec translates ld.so,
	# libc and python again. Measured on 6.12: t10 33.7 -> 27.2 s, t30
	# 52.3 -> 40.9 s. The module's memory checks do not depend on it.
	args+=" norandmaps"
	# The timer events that tests count with hist triggers (mclib's
	# TimerCount), on from boot: a trigger then only soft-enables its
	# event. Turning a tracepoint on patches kernel text, and a vCPU of
	# QEMU/TCG running that code meanwhile can trap on the int3 of the
	# patch and oops (seen in __hrtimer_run_queues with 2 vCPUs).
	args+=" trace_event=timer:timer_start,timer:timer_expire_entry"
	args+=",timer:hrtimer_start,timer:hrtimer_expire_entry"
	if [[ $k != "$MCHOST_DEBUG_SERIES" ]]; then
		# Debian builds SLUB_DEBUG in, off until asked.
		args+=" slub_debug=FZPU"
	fi
	if grep -q -x 'CONFIG_KFENCE=y' "$(mchost_kroot "$kver")/boot/config-$kver" 2>/dev/null; then
		args+=" kfence.sample_interval=$kfence_ms"
	fi
	printf '%s\n' "$args"
}

# mchost_usage, mchost_usage_all: print, to stderr, the usage of the script
# that calls it, read from its header comment without the "# " prefixes:
# from its "# Usage:" line to the end of that paragraph (a blank "#" line
# followed by an unindented one), or the whole header less the shebang and
# the SPDX and directive lines. No line numbers, so a header can grow.
mchost_usage() { _mchost_header 0 "${BASH_SOURCE[1]}"; }
mchost_usage_all() { _mchost_header 1 "${BASH_SOURCE[1]}"; }
_mchost_header() {
	awk -v all="$1" '
		NR == 1 && /^#!/ { next }
		!/^#/ { exit }
		/^# (SPDX-License-Identifier:|shellcheck )/ { next }
		!on && !/^#$/ && (all || /^# Usage:/) { on = 1 }
		!on { next }
		/^#$/ { blank++; next }
		blank && !all && !/^#  / { exit }
		{
			for (; blank; blank--)
				print ""
			sub(/^# ?/, "")
			print
		}
	' "$2" >&2
}
