#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the pinned Debian 6.12 kernel under QEMU, load mchost and
# show it keeping memberships for a device that no socket listens on.
# The guest side is scripts/demo-guest.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kver=$(mchost_kver 6.12)
ko=$ROOT/build/$kver/mchost.ko
cli=$ROOT/build/mchostctl
[[ -f $ko && -x $cli ]] || die "build first: make modules-all cli"
msg "booting Linux $kver under QEMU (TCG); this takes a few seconds"
MCHOST_KO=$ko MCHOSTCTL=$cli \
	"$ROOT/scripts/vm.sh" --kernel 6.12 --timeout 300 -- \
	"$ROOT/scripts/demo-guest.sh"
