#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Install every Debian package mchost needs (build, lint, KUnit, VM tests).
#
# Usage: scripts/deps.sh
#
# Idempotent: packages are checked with dpkg-query and only missing ones are
# installed; `apt-get update` runs at most once, and only when something is
# missing. Must run as root on Debian 12 (bookworm).
#
# Kernel pins come from scripts/kernels.env. If the archive no longer has a
# pinned linux-image/linux-headers ABI, the newest package of the same series
# that has both image and headers is used instead, with a warning, and the
# choice is written to $MCHOST_CACHE/kernels.resolved (read by lib.sh).
#
# The kernel images are installed with INITRD=No in the environment: the
# Debian kernel postinst hook /etc/kernel/postinst.d/initramfs-tools then skips
# the (slow, useless here) initramfs generation. Our VMs boot their own tiny
# initramfs (scripts/vm.sh); the host never boots these kernels.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

export DEBIAN_FRONTEND=noninteractive
export INITRD=No

BASE_PKGS=(
	qemu-system-x86 busybox-static linux-source-6.12
	python3 python3-scapy tcpdump iproute2 sparse libmnl-dev pkg-config
	gcc make bc bison flex libelf-dev libssl-dev cpio xz-utils zstd kmod
	codespell shellcheck util-linux procps file
)

[[ $(id -u) -eq 0 ]] || die "must run as root (apt-get install)"

is_installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[[ $st == installed ]]
}

updated=0
apt_update_once() {
	if ((updated == 0)); then
		msg "apt-get update"
		apt-get update -q >&2 || die "apt-get update failed"
		updated=1
	fi
}

# has_candidate PKG: apt knows an installable version of PKG.
has_candidate() {
	local c
	c=$(apt-cache policy -- "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $c && $c != "(none)" ]]
}

kernel_installed() { is_installed "linux-image-$1" && is_installed "linux-headers-$1"; }
kernel_available() { has_candidate "linux-image-$1" && has_candidate "linux-headers-$1"; }

# newest_kernel REGEX: newest ABI (image name minus prefix) whose image and
# headers both have an install candidate. REGEX matches the ABI string.
newest_kernel() {
	local re=$1 abi names
	names=$(apt-cache pkgnames linux-image- 2>/dev/null || true)
	for abi in $(sed -n 's/^linux-image-//p' <<<"$names" | { grep -E -x -- "$re" || true; } | sort -V -r); do
		if kernel_available "$abi"; then
			printf '%s\n' "$abi"
			return 0
		fi
	done
	return 0
}

# resolve_kernel SERIES PIN PREV: set RESOLVED to the kernel ABI to use.
# Order: pinned and installed; previously resolved fallback and installed
# (no apt access); pinned and available in apt; newest available fallback.
RESOLVED=
resolve_kernel() {
	local series=$1 pin=$2 prev=$3 re abi
	RESOLVED=$pin
	case $series in
	6.1) re='6\.1\.0-[0-9]+-amd64' ;;
	6.12) re='6\.12\.[0-9]+\+deb12-amd64' ;;
	*) die "internal: series $series" ;;
	esac
	if kernel_installed "$pin"; then
		return
	fi
	if [[ $prev != "$pin" ]] && grep -E -q -x -- "$re" <<<"$prev" && kernel_installed "$prev"; then
		warn "pinned kernel $pin is not installed; using $prev (resolved earlier, see $MCHOST_CACHE/kernels.resolved)"
		RESOLVED=$prev
		return
	fi
	apt_update_once
	if kernel_available "$pin"; then
		return
	fi
	abi=$(newest_kernel "$re")
	[[ -n $abi ]] || die "no linux-image/linux-headers $series package (pin $pin) is available in apt"
	warn "========================================================================"
	warn "pinned kernel $pin (linux $series) is NOT available in the archive any more;"
	warn "falling back to the newest one of the same series: $abi"
	warn "(recorded in $MCHOST_CACHE/kernels.resolved; update scripts/kernels.env)"
	warn "========================================================================"
	RESOLVED=$abi
}

# MCHOST_K61/K612 may already hold a previous fallback (from lib.sh).
resolve_kernel 6.1 "$MCHOST_PIN_K61" "$MCHOST_K61"
k61=$RESOLVED
resolve_kernel 6.12 "$MCHOST_PIN_K612" "$MCHOST_K612"
k612=$RESOLVED

resolved_file=$MCHOST_CACHE/kernels.resolved
if [[ $k61 == "$MCHOST_PIN_K61" && $k612 == "$MCHOST_PIN_K612" ]]; then
	if [[ -f $resolved_file ]]; then
		msg "pinned kernels are in use again: removing $resolved_file"
		rm -f -- "$resolved_file"
	fi
else
	mkdir -p -- "$MCHOST_CACHE"
	want=$(printf 'MCHOST_K61=%s\nMCHOST_K612=%s\n' "$k61" "$k612")
	if [[ ! -f $resolved_file || $(<"$resolved_file") != "$want" ]]; then
		printf '%s\n' "$want" >"$resolved_file.tmp"
		mv -f -- "$resolved_file.tmp" "$resolved_file"
		msg "wrote $resolved_file"
	fi
fi

pkgs=("${BASE_PKGS[@]}"
	"linux-image-$k61" "linux-headers-$k61"
	"linux-image-$k612" "linux-headers-$k612")
missing=()
for p in "${pkgs[@]}"; do
	is_installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	msg "all ${#pkgs[@]} packages are installed (kernels $k61, $k612)"
	exit 0
fi

msg "installing: ${missing[*]}"
apt_update_once
apt-get install -y -q --no-install-recommends -- "${missing[@]}" >&2 ||
	die "apt-get install failed"

for p in "${missing[@]}"; do
	is_installed "$p" || die "package $p is still not installed"
done
msg "done (kernels $k61, $k612)"
