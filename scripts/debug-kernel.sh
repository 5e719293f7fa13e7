#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Build, once, the sanitizer x86_64 kernel of the VM suite ("6.12-debug":
# KASAN, KFENCE, UBSAN, lockdep, PROVE_RCU, debugobjects, ...) from
# linux-source-6.12, and install it into the cache like the stock kernels.
#
# Usage: scripts/debug-kernel.sh            build it unless it is cached
#        scripts/debug-kernel.sh --release  print its release name only
#
# The config is `make allnoconfig` (x86_64) plus scripts/kernel/debug.config,
# then `make olddefconfig`; every option of the fragment is then checked in
# the final .config, and a dropped one (unmet dependency) fails the build.
# Release: <version>-mchost-debug-<8 hex>, a hash of the fragment, the source
# version, the compiler and MCHOST_DEBUG_RECIPE (lib.sh). A run with the
# same key does nothing.
#
# Layout, as scripts/deps.sh gives the stock kernels:
#   $MCHOST_CACHE/kernels/<rel>/boot/{vmlinux,System.map,config}-<rel>
#   $MCHOST_CACHE/kernels/<rel>/lib/modules/<rel>/ (modules.dep, build ->)
#   $MCHOST_CACHE/kernels/<rel>/usr/src/linux-headers-<rel>/  the O= build
#       dir, the KDIR of `make M=` (mchost_kdir)
#   $MCHOST_CACHE/kernels/<rel>/usr/src/linux-source-<version>/  a hard-link
#       copy of $MCHOST_SRC_TREE without the KUnit runner's edits (its
#       `mchost` link and the two lines it appends to Kconfig and Kbuild), so
#       that neither build disturbs the other and this one does not follow
#       the link to whichever clone ran KUnit last.
#   $MCHOST_CACHE/kernels/<rel>/build.log  the full build output
# Other debug kernels (older configs) unused for 3 days are deleted.
#
# Environment: MCHOST_DEBUG_JOBS (make -j, default nproc + 1).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

ensure_tree() {
	[[ -f $MCHOST_SRC_TREE/Makefile && -f $MCHOST_CACHE/src/.unpacked-linux-source-6.12 ]] && return 0
	"$ROOT/scripts/kunit.sh" --unpack-only
}

case ${1:-} in
--release)
	ensure_tree >&2
	mchost_debug_release
	exit 0
	;;
-h | --help)
	mchost_usage_all
	exit 0
	;;
"") ;;
*)
	msg "unknown argument: $1"
	exit 2
	;;
esac

[[ $(id -u) -eq 0 ]] || die "must run as root (it writes $MCHOST_CACHE)"
[[ -f $MCHOST_DEBUG_CONFIG ]] || die "$MCHOST_DEBUG_CONFIG is missing"
ensure_tree
ver=$(mchost_src_version)
key=$(mchost_debug_key)
rel=$(mchost_debug_release)
kroot=$(mchost_kroot "$rel")
obj=$(mchost_kdir "$rel")
src=$kroot/usr/src/linux-source-$ver
moddir=$(mchost_moddir "$rel")
vmlinux=$(mchost_kvmlinux "$rel")
jobs=${MCHOST_DEBUG_JOBS:-$(($(nproc) + 1))}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "MCHOST_DEBUG_JOBS is not a positive number: $jobs"

mkdir -p -- "$MCHOST_CACHE/kernels"
exec 9>"$MCHOST_CACHE/kernels/.debug-kernel.lock"
if ! flock -n 9; then
	msg "waiting for another debug kernel build (lock $MCHOST_CACHE/kernels/.debug-kernel.lock)"
	flock 9
fi

built() {
	[[ -f $kroot/.built && $(<"$kroot/.built") == "$key" && -s $vmlinux &&
		-f $moddir/modules.dep && -f $obj/Module.symvers ]]
}

# Delete other debug kernels nobody built or used for 3 days.
prune() {
	local d r
	for d in "$MCHOST_CACHE"/kernels/*-mchost-debug-*; do
		[[ -d $d && $d != "$kroot" ]] || continue
		[[ -n $(find "$d" -maxdepth 1 -name .built -mtime -3) ]] && continue
		r=${d##*/}
		msg "deleting the unused debug kernel $r"
		rm -rf -- "$d" "$MCHOST_CACHE/vm/$r"
	done
}

if built; then
	touch -- "$kroot/.built" # used: keeps it from being pruned
	msg "$rel is up to date ($kroot)"
	exit 0
fi

t0=$SECONDS
msg "building $rel (config $MCHOST_DEBUG_CONFIG) in $obj"

# ---------------------------------------------------------------------------
# The source: a hard-link copy without the KUnit runner's edits. Kconfig and
# Kbuild are rewritten as new files (new inodes): the shared ones are never
# written to.
if [[ ! -f $src/.mchost-debug-src ]]; then
	rm -rf -- "$src" "$src.tmp"
	mkdir -p -- "${src%/*}"
	cp -al -- "$MCHOST_SRC_TREE" "$src.tmp"
	rm -f -- "$src.tmp/mchost"
	for f in Kconfig Kbuild; do
		grep -v -x -e 'source "mchost/Kconfig"' -e 'obj-y += mchost/' -- "$src.tmp/$f" >"$src.tmp/$f.new" || true
		rm -f -- "$src.tmp/$f"
		mv -- "$src.tmp/$f.new" "$src.tmp/$f"
	done
	mv -- "$src.tmp" "$src"
	printf '%s\n' "$ver" >"$src/.mchost-debug-src"
fi

kmake() { make -C "$src" O="$obj" ARCH=x86_64 "$@"; }

# ---------------------------------------------------------------------------
# The config: allnoconfig + the fragment (+ the release suffix), olddefconfig.
mkdir -p -- "$obj"
kmake -s allnoconfig >/dev/null
frag=$obj/.mchost-debug.config
{
	grep -E '^(# )?CONFIG_' -- "$MCHOST_DEBUG_CONFIG"
	printf 'CONFIG_LOCALVERSION="%s"\n' "${rel#"$ver"}"
	printf '# CONFIG_LOCALVERSION_AUTO is not set\n'
} >"$frag"
# Replace each symbol the fragment names, then append the fragment.
syms=$(sed -n -E 's/^(# )?(CONFIG_[A-Za-z0-9_]+)[= ].*/\2/p' "$frag")
grep -v -E -f <(sed -E 's/.*/^(# )?&[= ]/' <<<"$syms") -- "$obj/.config" >"$obj/.config.new" || true
cat -- "$frag" >>"$obj/.config.new"
mv -f -- "$obj/.config.new" "$obj/.config"
kmake -s olddefconfig >/dev/null

# Every option of the fragment, as asked: olddefconfig drops what it cannot
# have without a word.
bad=0
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		name=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		name=${BASH_REMATCH[1]} want=n
	else
		continue
	fi
	got=$(sed -n "s/^$name=//p" "$obj/.config" | tail -n 1)
	[[ -n $got ]] || got=n
	if [[ $got != "$want" ]]; then
		warn "config: $name=$want requested, the .config has $got (unmet dependency?)"
		bad=$((bad + 1))
	fi
done <"$frag"
((bad == 0)) || die "$bad option(s) of $MCHOST_DEBUG_CONFIG did not make it into $obj/.config"
t_config=$((SECONDS - t0))

# ---------------------------------------------------------------------------
# Build and install. The compiler's lines go to build.log, warnings and
# errors to the terminal as well.
log=$kroot/build.log
msg "make -j$jobs vmlinux modules (log: $log)"
t1=$SECONDS
set +e
kmake -j"$jobs" vmlinux modules >"$log" 2>&1
mrc=$?
set -e
t_build=$((SECONDS - t1))
grep -E 'warning:|error:' -- "$log" >&2 || true
if ((mrc != 0)); then
	tail -n 40 -- "$log" >&2
	die "the debug kernel build failed after ${t_build}s (log: $log)"
fi

got_rel=$(<"$obj/include/config/kernel.release")
[[ $got_rel == "$rel" ]] || die "the build says its release is $got_rel, expected $rel"
rm -rf -- "${kroot:?}/lib" "${kroot:?}/boot"
kmake -s INSTALL_MOD_PATH="$kroot" modules_install >>"$log" 2>&1 ||
	die "modules_install failed (log: $log)"
[[ -f $moddir/modules.dep && -f $moddir/modules.builtin ]] ||
	die "modules_install left no modules.dep/modules.builtin in $moddir"
ln -sfn "../../../usr/src/linux-headers-$rel" "$moddir/build"
mkdir -p -- "$kroot/boot"
ln -f -- "$obj/vmlinux" "$vmlinux" 2>/dev/null || cp -- "$obj/vmlinux" "$vmlinux"
cp -- "$obj/System.map" "$kroot/boot/System.map-$rel"
cp -- "$obj/.config" "$kroot/boot/config-$rel"
printf '%s\n' "$key" >"$kroot/.built"
prune
flock -u 9

msg "built $rel in $((SECONDS - t0))s (config ${t_config}s, make -j$jobs ${t_build}s; $(du -sh -- "$obj" | cut -f1) build dir)"
