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
#   mchost_kver 6.1|6.12   print the full kernel release string
#   mchost_kroot REL   the extracted tree of kernel release REL (deps.sh)
#   mchost_kdir REL    its headers (KDIR for module builds)
#   mchost_kimage REL  its compressed kernel image
#   mchost_moddir REL  its modules directory (modules.dep, *.ko)
#   mchost_guest_hidden PATH  true if a VM guest cannot see the host's PATH

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
	*)
		printf '%s: unknown kernel series %q (want 6.1 or 6.12)\n' "$_mchost_prog" "${1:-}" >&2
		return 1
		;;
	esac
}

# Test kernels are extracted, never installed (scripts/deps.sh).
mchost_kroot() { printf '%s\n' "$MCHOST_CACHE/kernels/$1"; }
mchost_kdir() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/usr/src/linux-headers-$1"; }
mchost_kimage() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/boot/vmlinuz-$1"; }
mchost_moddir() { printf '%s\n' "$MCHOST_CACHE/kernels/$1/lib/modules/$1"; }

# The VM guest (vm-guest.sh) mounts its own /proc, /sys, /dev and /run; every
# other host path, /tmp included, is visible in it (scripts/vm.sh).
mchost_guest_hidden() {
	case $1/ in
	/proc/* | /sys/* | /dev/* | /run/*) return 0 ;;
	esac
	return 1
}

# The kernel series we test on, in order.
MCHOST_SERIES=(6.1 6.12)
