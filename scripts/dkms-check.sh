#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-check`: the real dkms builds and installs mchost from the tree
# that `make dkms-install` puts in /usr/src, for both pinned kernels: first
# `dkms install` for 6.1, then `dkms autoinstall` for 6.12, which is what
# the kernel package's hook runs after an upgrade (AUTOINSTALL=yes). Then
# `dkms status` must list both as installed, each module must carry
# VERSION and its kernel's vermagic, and `dkms remove` must take them away.
#
# Everything happens in a scratch tree (--dkmstree, --sourcetree,
# --installtree, --no-depmod, the pinned kernels' headers through
# --kernelsourcedir): the host's /var/lib/dkms, /usr/src and /lib/modules
# are checked to be unchanged afterwards.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

command -v dkms >/dev/null || die "dkms is not installed: run scripts/deps.sh"
ver=$(<"$ROOT/VERSION")
k61=$(mchost_kver 6.1)
k612=$(mchost_kver 6.12)
scratch=$(mktemp -d /var/tmp/mchost-dkms.XXXXXX)
trap 'rm -rf -- "$scratch"' EXIT
src=$scratch/src
inst=$scratch/lib/modules
fail=0

bad() {
	echo "FAIL    $*"
	fail=1
}

# What of the host's state DKMS could touch, to compare afterwards.
host_state() {
	local d
	for d in /var/lib/dkms /usr/src /lib/modules; do
		[[ -d $d ]] || continue
		find "$d" -maxdepth 3 -printf '%p %y %s %T@\n' 2>/dev/null
	done | LC_ALL=C sort
}
host_state >"$scratch/host.before"

# Signing (when the host has sign-file) uses a scratch key, never
# /var/lib/dkms/mok.key.
export mok_signing_key=$scratch/mok.key mok_certificate=$scratch/mok.pub
tree=(--dkmstree "$scratch/dkms" --sourcetree "$src" --installtree "$inst"
	--no-depmod)

# dkms prints a lot; keep it in a log and show it when a step fails.
log=$scratch/dkms.log
step() {
	printf '$ %s\n' "$*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		bad "$*"
		sed 's/^/    /' "$log"
		exit 1
	fi
}

make -s -C "$ROOT" dkms-src DKMS_DIR="$src/mchost-$ver" >>"$log"
mkdir -p "$inst/$k61" "$inst/$k612" "$scratch/dkms"
step dkms add -m mchost -v "$ver" "${tree[@]}"
step dkms install -m mchost -v "$ver" -k "$k61" \
	--kernelsourcedir "$(mchost_kdir "$k61")" "${tree[@]}"
step dkms autoinstall -k "$k612" --kernelsourcedir "$(mchost_kdir "$k612")" \
	"${tree[@]}"

status=$(dkms status -m mchost "${tree[@]}" 2>&1)
want=$(printf 'mchost/%s, %s, x86_64: installed\n' "$ver" "$k61" "$ver" "$k612" | LC_ALL=C sort)
if [[ $(LC_ALL=C sort <<<"$status") == "$want" ]]; then
	echo "ok      dkms status: installed for $k61 and $k612"
else
	bad "dkms status: expected"
	printf '%s\n' "$want" | sed 's/^/    /'
	echo "  got"
	printf '%s\n' "$status" | sed 's/^/    /'
fi

for k in "$k61" "$k612"; do
	ko=$(find "$inst/$k/updates/dkms" -name 'mchost.ko*' 2>/dev/null)
	if [[ $(wc -w <<<"$ko") != 1 ]]; then
		bad "$k: expected one mchost.ko in $inst/$k/updates/dkms, found: ${ko:-none}"
		continue
	fi
	mv=$(modinfo -F version "$ko")
	vm=$(modinfo -F vermagic "$ko")
	if [[ $mv == "$ver" && ${vm%% *} == "$k" ]]; then
		echo "ok      $k: ${ko#"$inst/"}: version $mv, vermagic ${vm%% *}"
	else
		bad "$k: $ko has version '$mv' (want $ver), vermagic '$vm' (want $k ...)"
	fi
done

step dkms remove -m mchost -v "$ver" --all "${tree[@]}"
left=$(dkms status -m mchost "${tree[@]}" 2>&1; find "$inst" -name 'mchost.ko*')
if [[ -z $left ]]; then
	echo "ok      dkms remove: no status and no module left"
else
	bad "dkms remove left: $left"
fi

host_state >"$scratch/host.after"
if cmp -s "$scratch/host.before" "$scratch/host.after"; then
	echo "ok      the host's /var/lib/dkms, /usr/src and /lib/modules are unchanged"
else
	bad "the host's /var/lib/dkms, /usr/src or /lib/modules changed:"
	diff "$scratch/host.before" "$scratch/host.after" | head -20
fi
((fail == 0)) || { echo "dkms-check: FAILED"; exit 1; }
echo "dkms-check: passed"
