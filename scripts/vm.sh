#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Run a command in a throwaway QEMU/TCG VM on a pinned stock Debian kernel.
#
# Usage: scripts/vm.sh --kernel 6.1|6.12|6.12-debug [--timeout SEC] [--mem MB]
#                      [--smp N] [--append ARGS] [--logdir DIR] [--icount]
#                      -- CMD [ARGS...]
#
#   --kernel   kernel series; the exact release comes from kernels.env, or
#              for 6.12-debug from scripts/debug-kernel.sh (which builds it)
#   --timeout  wall-clock limit for the whole VM, default 600 s
#   --mem      guest memory, default 512 MB
#   --smp      vCPUs, default 1 (TCG: 1 is faster; 2+ only for SMP races)
#   --append   more kernel command line (e.g. slub_debug=FZPU)
#   --logdir   where console.log, dmesg.txt, rc and taint end up, default
#              $ROOT/build/vm-logs/<series>/; the guest sees it writable at
#              $MCHOST_VM_LOGDIR (a 9p share), its host path is in
#              $MCHOST_VM_HOST_LOGDIR
#   --icount   the guest clock counts instructions (QEMU -icount shift=0,
#              sleep=off: one a nanosecond, idle time skipped), so guest
#              times measure the guest's work, whatever the host's speed or
#              load; runs slower
#
# The guest boots the kernel that scripts/deps.sh extracted (or
# scripts/debug-kernel.sh installed) into $MCHOST_CACHE/kernels/<release>/
# (as an uncompressed ELF through PVH), with a tiny busybox initramfs that mounts the host's / read-only over
# 9p under a tmpfs overlay and switch_roots into it; scripts/vm-guest.sh then
# prepares the system and runs CMD as root in the host's current directory
# (`sh -c` with the arguments quoted). Host paths and binaries work
# unchanged, /tmp included (a clone under /tmp works), and the guest's
# /lib/modules/<release> is the extracted tree's. What the guest writes stays
# in the overlay. Only /proc, /sys, /dev and /run are the guest's own: a
# repository there is refused before booting, and a current directory there
# becomes / in the guest (with a note).
# Environment variables named MCHOST_* (and MCHOSTCTL, any MCHOST*) are passed
# to CMD.
#
# Exit status: CMD's exit status; 124 if the VM timed out; 1 if the kernel
# panicked or the VM died, or if CMD passed but the kernel got tainted with
# W (warning), D (oops), B (bad page) or L (soft lockup), or its log has a
# report that scripts/kernel/reports.ere lists (KASAN, lockdep, RCU, UBSAN,
# KFENCE, ODEBUG, refcount_t, WARN, ...; such lines are printed, each with
# the test that was running, from the `mchost-vmtest: begin NAME` marks).
# QEMU's own exit status is never trusted: the status comes from the
# guest's rc file.
#
# Cache: $MCHOST_CACHE/vm/<release>/{vmlinux,initramfs.cpio} (+ .key files);
# rebuilt when their inputs change.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	mchost_usage
	exit 2
}

kernel="" timeout=600 mem=512 smp=1 logdir="" extra_append="" icount=()
while (($#)); do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--mem) mem=${2:?}; shift 2 ;;
	--mem=*) mem=${1#*=}; shift ;;
	--smp) smp=${2:?}; shift 2 ;;
	--smp=*) smp=${1#*=}; shift ;;
	--logdir) logdir=${2:?}; shift 2 ;;
	--append) extra_append=${2:?}; shift 2 ;;
	--append=*) extra_append=${1#*=}; shift ;;
	--logdir=*) logdir=${1#*=}; shift ;;
	--icount) icount=(-icount "shift=0,sleep=off"); shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) msg "unknown argument: $1"; usage ;;
	esac
done
(($# > 0)) || { msg "no command given"; usage; }
[[ -n $kernel ]] || { msg "--kernel is required"; usage; }
for n in "$timeout" "$mem" "$smp"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n"
done

kver=$(mchost_kver "$kernel") || exit 2
vmlinuz=$(mchost_kimage "$kver")
vmlinux=$(mchost_kvmlinux "$kver")
moddir=$(mchost_moddir "$kver")
busybox=/bin/busybox
stage2=$ROOT/scripts/vm-guest.sh

if [[ ! -r $moddir/modules.dep ]] || [[ ! -r $vmlinux && ! -r $vmlinuz ]]; then
	if [[ $kernel == "$MCHOST_DEBUG_SERIES" ]]; then
		die "kernel $kver is not built ($vmlinux, $moddir): run scripts/debug-kernel.sh"
	fi
	die "kernel $kver is not extracted ($vmlinuz, $moddir): run scripts/deps.sh"
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: run scripts/deps.sh"
[[ -x $busybox ]] || die "$busybox not found: run scripts/deps.sh (busybox-static)"
case $(file -bL "$busybox") in
*static*) ;;
*) die "$busybox is not statically linked: install busybox-static" ;;
esac
[[ $ROOT != *[[:space:]]* ]] || die "the repository path must not contain white space: $ROOT"

if mchost_guest_hidden "$ROOT"; then
	die "the guest cannot see $ROOT (it mounts its own /proc, /sys, /dev and /run): clone the repository elsewhere"
fi
[[ $(id -u) -eq 0 ]] || die "must run as root (the VM shares the host's / and builds device nodes)"

cache=$MCHOST_CACHE/vm/$kver
mkdir -p -- "$cache"

# ---------------------------------------------------------------------------
# vmlinux: the uncompressed ELF kernel, booted through PVH (-kernel ELF).
# Same approach as the kernel's scripts/extract-vmlinux: find the payload's
# compression magic in the bzImage, decompress from there, keep the first ELF.

is_elf() { [[ -s $1 && $(head -c 4 -- "$1" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; }

# try_decompress IMG OUT MAGIC CMD...: decompress at every offset of MAGIC.
try_decompress() {
	local img=$1 out=$2 magic=$3 off
	shift 3
	command -v "$1" >/dev/null || return 1
	while read -r off; do
		# Trailing data after the compressed stream makes the tools fail:
		# ignore their status, judge the output.
		tail -c "+$((off + 1))" -- "$img" | "$@" >"$out" 2>/dev/null || true
		is_elf "$out" && return 0
	done < <(LC_ALL=C grep -obUaP -- "$magic" "$img" | LC_ALL=C cut -d: -f1 || true)
	return 1
}

extract_vmlinux() {
	local img=$1 out=$2
	if is_elf "$img"; then
		cp -- "$img" "$out"
		return 0
	fi
	try_decompress "$img" "$out" '\x28\xb5\x2f\xfd' zstd -dcq && return 0
	try_decompress "$img" "$out" '\xfd7zXZ\x00' xz -dcq && return 0
	try_decompress "$img" "$out" '\x1f\x8b\x08' gzip -dcq && return 0
	try_decompress "$img" "$out" '\x89LZO' lzop -dcq && return 0
	try_decompress "$img" "$out" '\x02\x21\x4c\x18' lz4 -dcq && return 0
	try_decompress "$img" "$out" 'BZh' bzip2 -dcq && return 0
	return 1
}

ensure_vmlinux() {
	local key
	# A kernel built here (debug-kernel.sh) comes with its ELF vmlinux.
	if is_elf "$vmlinux"; then
		boot_image=$vmlinux
		return 0
	fi
	boot_image=$cache/vmlinux
	key="v1 $(stat -Lc '%n %s %Y %i' -- "$vmlinuz")"
	if [[ -f $cache/vmlinux && -f $cache/vmlinux.key && $(<"$cache/vmlinux.key") == "$key" ]]; then
		return 0
	fi
	msg "extracting the ELF vmlinux from $vmlinuz (once)"
	extract_vmlinux "$vmlinuz" "$cache/vmlinux.tmp" ||
		die "could not extract an ELF vmlinux from $vmlinuz (need zstd/xz-utils)"
	mv -f -- "$cache/vmlinux.tmp" "$cache/vmlinux"
	printf '%s\n' "$key" >"$cache/vmlinux.key"
}

# ---------------------------------------------------------------------------
# initramfs: busybox + the modules needed to mount 9p (virtio transport) and
# overlayfs, resolved through modules.dep, skipping built-in ones.

# Modules whose dependencies are needed to reach the 9p root. virtio_pci is
# the transport driver: it is not a dependency of 9pnet_virtio, so ask for it
# (built in on 6.12, a module on 6.1).
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

declare -A MOD_PATH=() MOD_DEPS=() MOD_BUILTIN=() MOD_SEEN=()
MOD_ORDER=()

modname() {
	local n=${1##*/}
	n=${n%%.ko*}
	printf '%s\n' "${n//-/_}"
}

load_modules_dep() {
	local line path deps name p
	while IFS= read -r line; do
		path=${line%%:*}
		deps=${line#*:}
		name=${path##*/}
		name=${name%%.ko*}
		name=${name//-/_}
		MOD_PATH[$name]=$path
		MOD_DEPS[$name]=$deps
	done <"$moddir/modules.dep"
	if [[ -f $moddir/modules.builtin ]]; then
		while IFS= read -r p; do
			name=${p##*/}
			name=${name%%.ko*}
			MOD_BUILTIN[${name//-/_}]=1
		done <"$moddir/modules.builtin"
	fi
}

# visit NAME: append NAME's dependencies, then NAME, to MOD_ORDER.
visit() {
	local name=${1//-/_} d
	[[ -z ${MOD_BUILTIN[$name]:-} && -z ${MOD_SEEN[$name]:-} ]] || return 0
	MOD_SEEN[$name]=1
	[[ -n ${MOD_PATH[$name]:-} ]] || die "module $name: not in $moddir/modules.dep nor built in"
	for d in ${MOD_DEPS[$name]}; do
		visit "$(modname "$d")"
	done
	MOD_ORDER+=("$name")
}

# The stage-1 /init. Kernel command line parameter mchost_stage2=PATH (passed
# to init as an environment variable) names the stage-2 script in the new root.
stage1_init() {
	cat <<'EOF'
#!/bin/busybox sh
# mchost VM stage 1 (generated by scripts/vm.sh)
bb=/bin/busybox
fail() {
	echo "mchost-vm stage1: $*"
	$bb poweroff -f
	$bb sleep 5
}
$bb mount -t proc proc /proc
$bb mount -t devtmpfs devtmpfs /dev
while read -r m; do
	$bb insmod "/lib/mchost/$m.ko" || fail "insmod $m failed"
done </lib/mchost/modules.list
$bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose hostroot /mnt/lower ||
	fail "cannot mount the host root (9p)"
$bb mount -t tmpfs -o mode=0755 tmpfs /mnt/rw
$bb mkdir -p /mnt/rw/upper /mnt/rw/work
$bb mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /newroot ||
	fail "cannot mount the overlay"
[ -n "$mchost_stage2" ] && [ -f "/newroot$mchost_stage2" ] || fail "no stage 2 script: '$mchost_stage2'"
$bb umount /dev
$bb umount /proc
exec $bb switch_root /newroot /bin/bash "$mchost_stage2"
fail "switch_root failed"
EOF
}

ensure_initramfs() {
	local key m path tmp f
	load_modules_dep
	for m in "${INITRAMFS_MODULES[@]}"; do
		visit "$m"
	done
	key=$(
		echo v1
		stat -Lc '%n %s %Y %i' -- "$busybox" "$moddir/modules.dep"
		for m in "${MOD_ORDER[@]}"; do
			stat -Lc '%n %s %Y' -- "$moddir/${MOD_PATH[$m]}"
		done
		stage1_init
	)
	key=$(sha256sum <<<"$key" | cut -d' ' -f1)
	if [[ -f $cache/initramfs.cpio && -f $cache/initramfs.key && $(<"$cache/initramfs.key") == "$key" ]]; then
		return 0
	fi
	msg "building the initramfs for $kver (modules: ${MOD_ORDER[*]:-none})"
	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,lib/mchost}
	cp -- "$busybox" "$tmp/bin/busybox"
	ln -s busybox "$tmp/bin/sh"
	mknod -m 600 "$tmp/dev/console" c 5 1
	mknod -m 666 "$tmp/dev/null" c 1 3
	stage1_init >"$tmp/init"
	chmod 755 "$tmp/init"
	: >"$tmp/lib/mchost/modules.list"
	for m in "${MOD_ORDER[@]}"; do
		path=$moddir/${MOD_PATH[$m]}
		f=$tmp/lib/mchost/$m.ko
		case $path in
		*.ko.xz) xz -dc -- "$path" >"$f" ;;
		*.ko.zst) zstd -dcq -- "$path" >"$f" ;;
		*.ko.gz) gzip -dc -- "$path" >"$f" ;;
		*.ko) cp -- "$path" "$f" ;;
		*) die "unknown module file type: $path" ;;
		esac
		printf '%s\n' "$m" >>"$tmp/lib/mchost/modules.list"
	done
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$cache/initramfs.cpio.tmp"
	rm -rf -- "$tmp"
	mv -f -- "$cache/initramfs.cpio.tmp" "$cache/initramfs.cpio"
	printf '%s\n' "$key" >"$cache/initramfs.key"
}

# Serialize cache updates between concurrent runs; release before booting.
exec 9>"$cache/.lock"
flock 9
ensure_vmlinux
ensure_initramfs
flock -u 9
exec 9>&-

# ---------------------------------------------------------------------------
# Result share: the log dir, writable by the guest.

logdir=${logdir:-$ROOT/build/vm-logs/$kernel}
mkdir -p -- "$logdir"
logdir=$(cd -- "$logdir" && pwd -P)
rm -rf -- "$logdir/.vm"
rm -f -- "$logdir/rc" "$logdir/dmesg.txt" "$logdir/taint" "$logdir/console.log"
mkdir -- "$logdir/.vm"

# POSIX single-quoting, understood by sh -c and by bash.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

{
	for a in "$@"; do
		sq "$a"
		printf ' '
	done
	printf '\n'
} >"$logdir/.vm/cmd"
cwd=$(pwd -P)
if mchost_guest_hidden "$cwd"; then
	msg "note: the guest cannot see $cwd (it mounts its own /proc, /sys, /dev and /run): the command runs in /"
	cwd=/
fi
printf '%s\n' "$cwd" >"$logdir/.vm/cwd"
printf '%s\n' "$moddir" >"$logdir/.vm/moddir"
{
	while IFS= read -r v; do
		[[ $v == MCHOST* ]] || continue
		printf 'export %s=%s\n' "$v" "$(sq "${!v}")"
	done < <(compgen -e)
	# The log dir as the host sees it (the guest sees $MCHOST_VM_LOGDIR).
	printf 'export MCHOST_VM_HOST_LOGDIR=%s\n' "$(sq "$logdir")"
} >"$logdir/.vm/env"

# QEMU option values: a comma is written as two.
qesc() { printf '%s' "${1//,/,,}"; }

append="console=ttyS0 panic=-1 oops=panic panic_on_warn=0 quiet"
append+="${extra_append:+ $extra_append} mchost_stage2=$stage2"

qemu=(
	qemu-system-x86_64 -nodefaults -display none -no-reboot
	-accel tcg -cpu max -m "$mem" -smp "$smp" "${icount[@]}"
	-kernel "$boot_image" -initrd "$cache/initramfs.cpio" -append "$append"
	-serial stdio
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(qesc "$logdir"),mount_tag=mchostlog,security_model=none,multidevs=remap"
)

start=$SECONDS
set +e
timeout -k 5 "$timeout" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$logdir/console.log"
qemu_status=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

console_tail() {
	printf '%s: ---- last 40 lines of the console (full log: %s) ----\n' "${0##*/}" "$logdir/console.log" >&2
	tail -n 40 -- "$logdir/console.log" >&2
	printf '%s: ----\n' "${0##*/}" >&2
}

# report_scan LOG: print the lines of LOG that scripts/kernel/reports.ere
# calls reports, each with the test that was running (the guest's
# `mchost-vmtest: begin/end NAME` marks), and return 1 if there is one.
report_scan() {
	local log=$1 hits
	[[ -f $log ]] || return 0
	hits=$(grep -n -E -f <(mchost_report_patterns) -- "$log" | cut -d: -f1 | tr '\n' ' ' || true)
	[[ -n $hits ]] || return 0
	msg "$kernel ($kver): KERNEL REPORTS in $log:"
	awk -v want="$hits" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) hit[w[i]] = 1; where = "boot, before any test" }
		/mchost-vmtest: begin / { sub(/.*mchost-vmtest: begin /, ""); where = "during " $0; next }
		/mchost-vmtest: end / { sub(/.*mchost-vmtest: end /, ""); where = "after " $0 ", between tests"; next }
		NR in hit { printf "  [%s] %s\n", where, $0 }' "$log" >&2
	return 1
}

rc=
if [[ -f $logdir/rc ]]; then
	rc=$(<"$logdir/rc")
fi
if [[ $rc =~ ^[0-9]+$ ]]; then
	if ((qemu_status == 124 || qemu_status == 137)); then
		warn "the guest finished (rc $rc) but did not power off before the timeout"
	fi
	if ! report_scan "$logdir/dmesg.txt"; then
		msg "$kernel ($kver): FAIL: the kernel log has reports (full log: $logdir/dmesg.txt)"
		((rc != 0)) || rc=1
	fi
	if ((rc != 0)); then
		msg "$kernel ($kver): command failed with rc $rc after ${elapsed}s (console: $logdir/console.log)"
	fi
	exit "$rc"
fi
report_scan "$logdir/console.log" || true

if ((qemu_status == 124 || qemu_status == 137)); then
	msg "$kernel ($kver): TIMEOUT: the VM did not finish within ${timeout}s"
	console_tail
	exit 124
fi
msg "$kernel ($kver): the VM died without a result after ${elapsed}s (kernel panic? QEMU status $qemu_status)"
console_tail
exit 1
