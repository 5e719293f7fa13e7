#!/bin/bash
# The uAPI header from the YNL spec, with the kernel's own YNL tooling.
#
# Usage: scripts/ynl.sh check   generate include/uapi/linux/mchost.h from
#                               Documentation/netlink/specs/mchost.yaml
#                               (validated against the genetlink-c schema)
#                               and fail, with the diff, if they differ
#        scripts/ynl.sh gen     write the generated header in place
#
# The tooling is tools/net/ynl/ynl-gen-c.py of linux-source-6.12, unpacked
# in the cache (scripts/kunit.sh --unpack-only), run by Debian's python3
# (python3-yaml, python3-jsonschema: scripts/deps.sh). ynl-gen-c names the
# spec by its path below the kernel tree it finds (a MAINTAINERS file) and
# reads the schema next to the spec's directory: it runs on a copy of the
# spec in a scratch tree laid out that way.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:-}
[[ $mode == check || $mode == gen ]] || die "usage: scripts/ynl.sh check|gen"

spec=$ROOT/Documentation/netlink/specs/mchost.yaml
hdr=$ROOT/include/uapi/linux/mchost.h
ynl=$MCHOST_SRC_TREE/tools/net/ynl
py=/usr/bin/python3

[[ -f $ynl/ynl-gen-c.py ]] || "$ROOT/scripts/kunit.sh" --unpack-only
[[ -f $ynl/ynl-gen-c.py ]] || die "no $ynl/ynl-gen-c.py in the unpacked linux-source-6.12"
"$py" -c 'import yaml, jsonschema' 2>/dev/null ||
	die "$py lacks yaml or jsonschema: run scripts/deps.sh (python3-yaml, python3-jsonschema)"

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/Documentation/netlink/specs"
: >"$tmp/MAINTAINERS"
cp -- "$MCHOST_SRC_TREE"/Documentation/netlink/*.yaml "$tmp/Documentation/netlink/"
cp -- "$spec" "$tmp/Documentation/netlink/specs/"
if ! "$py" "$ynl/ynl-gen-c.py" --mode uapi --header \
	--spec "$tmp/Documentation/netlink/specs/mchost.yaml" \
	-o "$tmp/mchost.h" >"$tmp/out" 2>&1; then
	tail -n 20 "$tmp/out" >&2
	die "ynl-gen-c.py failed on $spec"
fi

if [[ $mode == gen ]]; then
	cp -- "$tmp/mchost.h" "$hdr"
	msg "wrote $hdr"
	exit 0
fi
if ! diff -u --label "$hdr" --label "generated from $spec" "$hdr" "$tmp/mchost.h"; then
	die "$hdr differs from what $spec generates: edit the spec, then scripts/ynl.sh gen"
fi
msg "ok: $hdr is what the YNL spec generates (ynl-gen-c.py of linux-source-$(mchost_src_version))"
