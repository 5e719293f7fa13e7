#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the demo VM (see demo.sh): every command is printed before its
# output, so the transcript explains itself. A Linux bridge with an
# IGMPv3/MLDv2 querier plays the snooping switch: what it learns is the
# independent proof that mchost speaks the protocols.
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

say "A switch 'sw' (bridge, IGMPv3 + MLDv2 querier) and a host 'h' on one port"
ip netns add sw
ip netns add h
for ns in sw h; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done
ip -n sw link add br0 type bridge mcast_snooping 1 mcast_querier 1 \
	mcast_igmp_version 3 mcast_mld_version 2 \
	mcast_startup_query_interval 100 mcast_query_interval 500 \
	mcast_query_response_interval 100 mcast_querier_interval 300
ip -n sw link add swh type veth peer name h0 netns h
ip -n sw link set swh master br0 up
ip -n sw link set br0 up
ip -n h addr add 192.0.2.10/24 dev h0
ip -n h link set h0 up
run ip -n sw -d link show br0

say "Join with mchostctl: SSM INCLUDE{2 sources}, ASM, and IPv6 SSM + ASM; no socket holds them"
run ip netns exec h "$ctl" join dev h0 group 232.1.1.1 source 192.0.2.1 source 198.51.100.7
run ip netns exec h "$ctl" join dev h0 group 239.1.2.3
run ip netns exec h "$ctl" join dev h0 group ff3e::8000:1 source 2001:db8::1
run ip netns exec h "$ctl" join dev h0 group ff3e::8000:2
run ip netns exec h "$ctl" show
run ip netns exec h "$ctl" -d ifaces dev h0
run ip -n h maddr show dev h0

say "The switch learned mchost's IGMPv3 and MLDv2 reports (filter modes and sources)"
sleep 2
run ip netns exec sw bridge -d mdb show dev br0

say "The switch's next general queries and mchost's answers, on the wire"
ip netns exec h timeout 12 tcpdump -l -n -v -i h0 -c 6 \
	'igmp or (ip6 and ip6[6] == 0)' 2>/dev/null || true

say "A filter change: INCLUDE{192.0.2.1, 198.51.100.7} -> INCLUDE{198.51.100.7, 203.0.113.5} (ALLOW + BLOCK)"
run ip netns exec h "$ctl" join dev h0 group 232.1.1.1 source 198.51.100.7 source 203.0.113.5
sleep 2
run ip netns exec sw bridge -d mdb show dev br0

say "Counters"
run ip netns exec h "$ctl" stats

say "Leave everything: the switch forgets the groups"
run ip netns exec h "$ctl" leave dev h0 group 232.1.1.1
run ip netns exec h "$ctl" leave dev h0 group 239.1.2.3
run ip netns exec h "$ctl" leave dev h0 group ff3e::8000:1
run ip netns exec h "$ctl" leave dev h0 group ff3e::8000:2
sleep 4
run ip netns exec sw bridge -d mdb show dev br0
run ip netns exec h "$ctl" show
run ip -n h maddr show dev h0

say "Unload"
ip netns del h
ip netns del sw
run rmmod mchost
printf '\nmchost demo: done\n'
