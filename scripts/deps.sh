#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Install the host tools mchost needs and extract the pinned test kernels.
#
# Usage: scripts/deps.sh
#
# Host tools (QEMU, scapy, sparse, clang, ...) are installed as Debian
# packages. The test kernels are NOT: their packages' maintainer scripts would
# add them to the host's boot loader (and the newest would become the default
# entry). Instead, linux-image, linux-headers (arch and -common) and
# linux-kbuild are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x` into $MCHOST_CACHE/kernels/<release>/, where the builds
# (KDIR), the VMs (vmlinuz, modules) and depmod use them. Nothing under /boot,
# /lib/modules or /usr/src is touched.
#
# Idempotent: packages are checked with dpkg-query, kernel trees with a stamp
# file; `apt-get update` runs at most once, and only when something is
# missing. Must run as root on Debian 12 (bookworm).
#
# Kernel pins come from scripts/kernels.env. If the archive no longer has a
# pinned linux-image/linux-headers ABI, the newest package of the same series
# that has both image and headers is used instead, with a warning, and the
# choice is written to $MCHOST_CACHE/kernels.resolved (read by lib.sh).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

export DEBIAN_FRONTEND=noninteractive

BASE_PKGS=(
	qemu-system-x86 busybox-static linux-source-6.12
	python3 python3-scapy python3-yaml python3-jsonschema tcpdump iproute2
	sparse libmnl-dev pkg-config
	gcc make bc bison flex libelf-dev libssl-dev cpio xz-utils zstd kmod
	dwarves codespell shellcheck pyflakes3 util-linux procps file
	clang-14 libclang-rt-14-dev llvm-14
	dkms man-db groff-base systemd linux-perf
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

kernel_extracted() { [[ -f $(mchost_kroot "$1")/.extracted ]]; }
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
# Order: pinned and extracted; previously resolved fallback and extracted
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
	if kernel_extracted "$pin"; then
		return
	fi
	if [[ $prev != "$pin" ]] && grep -E -q -x -- "$re" <<<"$prev" && kernel_extracted "$prev"; then
		warn "pinned kernel $pin is not extracted; using $prev (resolved earlier, see $MCHOST_CACHE/kernels.resolved)"
		RESOLVED=$prev
		return
	fi
	kernel_available "$pin" || apt_update_once
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

# header_deps ABI: the -common headers and linux-kbuild packages that
# linux-headers-ABI depends on (they hold the Makefile and the host tools).
header_deps() {
	apt-cache depends --no-recommends --no-suggests -- "linux-headers-$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-(headers-.*-common|kbuild-)/ { print $2 }' |
		sort -u
}

# extract_kernel ABI: download and unpack the image, headers and kbuild
# packages of ABI into $MCHOST_CACHE/kernels/ABI, then make the tree work
# where it is (the packages assume /usr/src and /lib/modules).
extract_kernel() {
	local abi=$1 root tmp debs=$MCHOST_CACHE/debs p deb hdr pkgs=()
	root=$(mchost_kroot "$abi")
	kernel_extracted "$abi" && return 0
	kernel_available "$abi" || apt_update_once
	mapfile -t pkgs < <(printf '%s\n' "linux-image-$abi" "linux-headers-$abi"; header_deps "$abi")
	((${#pkgs[@]} >= 4)) || die "linux-headers-$abi: cannot find its -common and kbuild packages (${pkgs[*]})"
	msg "extracting kernel $abi into $root (not installed: the host's boot is untouched)"
	mkdir -p -- "$debs"
	(cd -- "$debs" && apt-get download -q -o APT::Sandbox::User=root -- "${pkgs[@]}" >&2) ||
		die "apt-get download ${pkgs[*]} failed"
	tmp=$root.tmp
	rm -rf -- "$tmp"
	mkdir -p -- "$tmp"
	for p in "${pkgs[@]}"; do
		deb=$(find "$debs" -maxdepth 1 -name "${p}_*.deb" -printf '%T@ %p\n' | sort -n -r | head -n 1 | cut -d' ' -f2-)
		[[ -n $deb ]] || die "no .deb for $p in $debs"
		dpkg-deb -x -- "$deb" "$tmp"
	done
	hdr=$tmp/usr/src/linux-headers-$abi
	[[ -f $hdr/Makefile && -d $tmp/lib/modules/$abi ]] || die "$abi: unexpected package layout"
	# The arch headers include the -common Makefile by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" -- "$hdr/Makefile"
	ln -sfn "../../../usr/src/linux-headers-$abi" "$tmp/lib/modules/$abi/build"
	depmod -b "$tmp" "$abi" || die "depmod for $abi failed"
	printf '%s\n' "${pkgs[@]}" >"$tmp/.extracted"
	rm -rf -- "$root"
	mv -- "$tmp" "$root"
	rm -f -- "$debs"/*.deb
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

missing=()
for p in "${BASE_PKGS[@]}"; do
	is_installed "$p" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
	msg "installing: ${missing[*]}"
	apt_update_once
	apt-get install -y -q --no-install-recommends -- "${missing[@]}" >&2 ||
		die "apt-get install failed"
	for p in "${missing[@]}"; do
		is_installed "$p" || die "package $p is still not installed"
	done
fi

# Serialize extraction between concurrent runs (make -j, parallel clones).
mkdir -p -- "$MCHOST_CACHE/kernels"
exec 9>"$MCHOST_CACHE/kernels/.lock"
flock 9
extract_kernel "$k61"
extract_kernel "$k612"
flock -u 9
msg "ready: ${#BASE_PKGS[@]} host packages; kernels $k61, $k612 in $MCHOST_CACHE/kernels"
