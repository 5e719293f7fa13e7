#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style gate: checkpatch.pl --strict (from linux-source-6.12) with
# codespell on every kernel-side file, kernel-doc on the module, and the
# scripts checked by shellcheck.
# Prints one line per file checked and fails on any finding.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tree=$MCHOST_CACHE/src/linux-source-6.12
if [[ ! -f $tree/scripts/checkpatch.pl ]]; then
	# The KUnit runner owns the unpack; reuse it.
	"$ROOT/scripts/kunit.sh" --unpack-only
fi
checkpatch=$tree/scripts/checkpatch.pl

cs_args=()
dict=$(/usr/bin/python3 -c 'import codespell_lib, os; print(os.path.join(os.path.dirname(codespell_lib.__file__), "data", "dictionary.txt"))' 2>/dev/null || true)
if [[ -n $dict && -f $dict ]]; then
	cs_args=(--codespell --codespellfile "$dict")
fi

cd "$ROOT"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# checkpatch_files ARG... -- FILE...: checkpatch.pl --strict with ARGs on
# each FILE, as many at a time as the host has cores (it is one Perl
# process per file, most of this script's time); prints ok/FAIL per file in
# order, sets fail on a finding.
checkpatch_files() {
	local args=() i n=0 ncpu
	while [[ $1 != -- ]]; do
		args+=("$1")
		shift
	done
	shift
	ncpu=$(nproc)
	for ((i = 1; i <= $#; i++)); do
		if ((n >= ncpu)); then
			wait -n || true
			n=$((n - 1))
		fi
		("$checkpatch" --no-tree --strict --quiet --show-types "${args[@]}" \
			-f "${!i}" >"$tmp/$i.out" 2>&1 && : >"$tmp/$i.ok") &
		n=$((n + 1))
	done
	wait
	for ((i = 1; i <= $#; i++)); do
		if [[ -e $tmp/$i.ok ]]; then
			echo "ok      ${!i}"
		else
			echo "FAIL    ${!i}"
			cat -- "$tmp/$i.out"
			fail=1
		fi
	done
	rm -f -- "$tmp"/*
}

checkpatch_files "${cs_args[@]}" -- module/*.c module/*.h kunit/*.c kunit/*.h \
	include/uapi/linux/*.h

# kernel-doc: well-formed everywhere, and present for every function a
# module header declares (what other files call).
kdoc_out=$("$tree/scripts/kernel-doc" -none -Wall module/*.[ch] 2>&1 &&
	python3 "$ROOT/scripts/kdoc-check.py" module/*.h 2>&1) || kdoc_out+=$'\nfailed'
if [[ -z $kdoc_out ]]; then
	echo "ok      kernel-doc (module/)"
else
	echo "FAIL    kernel-doc (module/)"
	echo "$kdoc_out"
	fail=1
fi

# The CLI, scripts/mchostctl/, and the benchmark's join loop, scripts/bench/:
# userspace C held to the kernel's style by
# the same checkpatch.pl --strict, less three checks that only make sense
# inside the kernel:
#   PREFER_KERNEL_TYPES: u8/u32 exist only in the kernel; a program uses
#     <stdint.h>.
#   PREFER_DEFINED_ATTRIBUTE_MACRO: it asks for the kernel's __printf and
#     __noreturn, which userspace lacks: mchostctl.h defines them, and the
#     check flags those definitions.
#   TYPO_SPELLING: the kernel's list wants US "acknowledgment", and error
#     messages that scripts may match say "acknowledgement". codespell
#     checks the spelling instead.
cli=(scripts/mchostctl/*.c scripts/mchostctl/*.h scripts/bench/*.c)
checkpatch_files --ignore PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,TYPO_SPELLING \
	-- "${cli[@]}"
if codespell "${cli[@]}" scripts/mchostctl/*.sh; then
	echo "ok      codespell (CLI)"
else
	fail=1
fi
if shellcheck -x scripts/mchostctl/*.sh; then
	echo "ok      shellcheck (CLI)"
else
	fail=1
fi

mapfile -t shells < <(grep -l '^#!/usr/bin/env bash\|^#!/bin/sh\|^#!/bin/bash' scripts/*.sh scripts/vmtests/*.sh .ci/run 2>/dev/null || true)
# The bash completion (no shebang: it declares its shell to shellcheck).
shells+=(dist/mchostctl.bash)
if ((${#shells[@]})); then
	if shellcheck -x "${shells[@]}"; then
		echo "ok      shellcheck (${#shells[@]} scripts)"
	else
		fail=1
	fi
fi
# pyflakes on all Python in the repository: *.py files and scripts with a
# python shebang (build/ and .git/ left out).
mapfile -t pys < <(find . \( -path ./build -o -path ./.git \) -prune -o -type f -print |
	while IFS= read -r f; do
		if [[ $f == *.py ]] || head -n 1 -- "$f" | grep -aq '^#!.*python'; then
			printf '%s\n' "${f#./}"
		fi
	done | LC_ALL=C sort)
if ((${#pys[@]})); then
	if pyflakes3 "${pys[@]}"; then
		echo "ok      pyflakes (${#pys[@]} files)"
	else
		fail=1
	fi
fi
((fail == 0)) || { echo "style: FAILED"; exit 1; }
echo "style: clean"
