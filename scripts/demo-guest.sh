#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the demo VM (see demo.sh): every command is printed before its
# output, so the transcript explains itself.
set -euo pipefail

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

say() {
	printf '\n## %s\n' "$*"
}

ctl=$MCHOSTCTL

say "Load mchost beside the stock kernel's own IGMP/MLD"
run insmod "$MCHOST_KO"
run ls /proc/net/mchost/ /sys/module/mchost/parameters/

say "A host namespace 'h' with a veth to namespace 'q'"
ip netns add h
ip netns add q
ip -n h link add h0 type veth peer name q0 netns q
ip -n h link set h0 up
ip -n q link set q0 up
ip -n h addr add 192.0.2.10/24 dev h0
ip -n q addr add 192.0.2.1/24 dev q0

say "Join an SSM group INCLUDE{2 sources}, an ASM group and an IPv6 group; no socket holds them"
run ip netns exec h "$ctl" join dev h0 group 232.1.1.1 source 192.0.2.1 source 198.51.100.7
run ip netns exec h "$ctl" join dev h0 group 239.1.2.3
run ip netns exec h "$ctl" join dev h0 group ff3e::8000:1 mode exclude source 2001:db8::66
run ip netns exec h "$ctl" show
run ip netns exec h "$ctl" -j show
run ip netns exec h "$ctl" ifaces dev h0
run ip netns exec h cat /proc/net/mchost/groups /proc/net/mchost/interfaces

say "The NIC now accepts the groups' link-layer addresses"
run ip -n h maddr show dev h0

say "A group-specific IGMPv3 query from 'q' for a group only mchost holds reaches mchost's PRE_ROUTING hook"
ip netns exec q python3 - <<'PY'
from scapy.layers.l2 import Ether
from scapy.layers.inet import IP, IPOption_Router_Alert
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
from scapy.sendrecv import sendp
pkt = (Ether(dst="01:00:5e:01:01:01") /
       IP(src="192.0.2.1", dst="232.1.1.1", ttl=1, tos=0xc0,
          options=[IPOption_Router_Alert()]) /
       IGMPv3(type=0x11, mrcode=10) / IGMPv3mq(gaddr="232.1.1.1", qrv=2, qqic=125))
sendp(pkt, iface="q0", verbose=False)
print("sent:", pkt.summary())
PY
sleep 0.5
run ip netns exec h "$ctl" stats

say "Leave everything; the link-layer addresses go with it"
run ip netns exec h "$ctl" leave dev h0 group 232.1.1.1
run ip netns exec h "$ctl" leave dev h0 group 239.1.2.3
run ip netns exec h "$ctl" leave dev h0 group ff3e::8000:1
run ip netns exec h "$ctl" show
run ip -n h maddr show dev h0

say "Unload"
ip netns del h
ip netns del q
run rmmod mchost
printf '\nmchost demo: done\n'
