#!/bin/bash
# Stage 2 of the mchost VM (see scripts/vm.sh): runs as PID 1 in the guest,
# after switch_root into the tmpfs overlay over the host's read-only /.
#
# Prepares the system (mounts, lo, modules), runs the command that vm.sh left
# in the result share, checks the kernel taint, saves dmesg and the exit
# status to the share, prints a marker and powers off. PID 1 must never exit
# (that panics the kernel), so this script has no `set -e`/`set -u`.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
SHARE=/run/mchost-vm
# W (warning) 512, D (oops) 128, B (bad page) 32, L (soft lockup) 16384.
BAD_TAINT=$((512 | 128 | 32 | 16384))
MODULES=(veth bridge af_packet dummy)
bb=/bin/busybox
share_mounted=0

say() { printf 'mchost-vm: %s\n' "$*"; }

poweroff_now() {
	$bb sync
	$bb poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do $bb sleep 60; done # the host's timeout ends it
}

# finish RC: record RC on the share (if mounted) and power off.
finish() {
	local rc=$1
	if ((share_mounted)); then
		$bb dmesg >"$SHARE/dmesg.txt" 2>&1
		cat /proc/sys/kernel/tainted >"$SHARE/taint" 2>/dev/null
		printf '%s\n' "$rc" >"$SHARE/rc.tmp" && mv -f "$SHARE/rc.tmp" "$SHARE/rc"
		$bb sync
		$bb umount "$SHARE" 2>/dev/null
	else
		say "the result share is not mounted: the host will see no rc"
	fi
	say "MCHOST-VM-DONE rc=$rc"
	poweroff_now
}

fatal() {
	say "FATAL: $*"
	finish 1
}

taint_flags() {
	local t=$1 letters=PFSRMBUADWCIOELKXTN i out=
	for ((i = 0; i < ${#letters}; i++)); do
		((t & (1 << i))) && out+=${letters:i:1}
	done
	printf '%s\n' "${out:--}"
}

# The early steps use the static busybox: one binary read over 9p, instead of
# a dynamic binary and its libraries per command.
$bb mount -t proc proc /proc || fatal "mount /proc"
$bb mount -t sysfs sysfs /sys || fatal "mount /sys"
$bb mount -t devtmpfs devtmpfs /dev || fatal "mount /dev"
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
$bb mount -t tmpfs -o mode=1777 tmpfs /dev/shm
$bb ln -sfn /proc/self/fd /dev/fd
$bb ln -sfn /proc/self/fd/0 /dev/stdin
$bb ln -sfn /proc/self/fd/1 /dev/stdout
$bb ln -sfn /proc/self/fd/2 /dev/stderr
$bb mount -t tmpfs -o mode=0755 tmpfs /run || fatal "mount /run"
# /tmp is NOT a fresh tmpfs: the host's /tmp shows through the overlay
# (copy-on-write, like every host path), so a clone under /tmp works in the
# guest too. What the guest writes there stays in the overlay's tmpfs.
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$bb mkdir -p "$SHARE" /run/netns /run/lock
$bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 mchostlog "$SHARE" ||
	fatal "cannot mount the result share"
share_mounted=1

$bb hostname mchost-vm
$bb ip link set lo up || fatal "ip link set lo up"
# The kernel's modules live in the extracted tree in the cache: make them
# the guest's /lib/modules/<release> so that modprobe (kmod, reads .ko.xz)
# finds them.
moddir=$(<"$SHARE/.vm/moddir") || fatal "no modules directory in the result share"
if [[ $moddir != "/lib/modules/$(uname -r)" ]]; then
	$bb mkdir -p /lib/modules
	$bb rm -rf "/lib/modules/$(uname -r)"
	$bb ln -s "$moddir" "/lib/modules/$(uname -r)" || fatal "cannot link $moddir"
fi
modprobe -a "${MODULES[@]}" || fatal "modprobe ${MODULES[*]} failed"

[[ -r $SHARE/.vm/cmd && -r $SHARE/.vm/cwd && -r $SHARE/.vm/env ]] ||
	fatal "no command in the result share"
# shellcheck source=/dev/null
. "$SHARE/.vm/env"
export MCHOST_VM_LOGDIR=$SHARE
cmd=$(<"$SHARE/.vm/cmd")
cwd=$(<"$SHARE/.vm/cwd")
# vm.sh has checked that the guest can see it (mchost_guest_hidden in lib.sh).
cd -- "$cwd" 2>/dev/null || fatal "cannot enter $cwd in the guest"

taint0=$(</proc/sys/kernel/tainted)
if ((taint0 & BAD_TAINT)); then
	say "warning: the kernel is already tainted before the command: $taint0 ($(taint_flags "$taint0"))"
fi

sh -c "$cmd" </dev/null
rc=$?

cd /
taint=$(</proc/sys/kernel/tainted)
if ((taint & BAD_TAINT)); then
	say "FAIL: kernel tainted $taint ($(taint_flags "$taint")): W/D/B/L mean a WARN, oops, bad page or soft lockup"
	# Show the first splat (quiet keeps WARNs off the console).
	$bb dmesg >/tmp/dmesg.taint
	first=$(grep -n -m 1 -E 'cut here|BUG:|WARNING:|Oops:|soft lockup' /tmp/dmesg.taint | cut -d: -f1)
	[[ -z $first ]] || sed -n "$first,$((first + 80))p" /tmp/dmesg.taint
	((rc != 0)) || rc=1
fi
finish "$rc"
