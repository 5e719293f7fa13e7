#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unload and namespace removal while the receive hook is running.
#
# The test build of the module (MCHOST_TESTING) stalls the receive hook
# hook_delay_ms with the namespace's state in hand. A peer floods IGMP
# queries while mchost is unloaded (5 times) and while a namespace with
# the hook in use is deleted (5 times). Were the hooks unregistered without
# a grace period before that state is freed, the stalled hook would touch
# freed memory: KASAN reports it, and slub_debug poisoning makes it oops.
set -euo pipefail

ko=${MCHOST_KO%/mchost.ko}/testing/mchost.ko
[[ -f $ko ]] || { echo "FAIL: no test build at $ko (make modules-all)"; exit 1; }
param=/sys/module/mchost/parameters/hook_delay_ms

cleanup() {
	[[ -n ${sender:-} ]] && kill "$sender" 2>/dev/null
	ip netns del t35peer 2>/dev/null
	ip netns del t35host 2>/dev/null
	true
}
trap cleanup EXIT

# An IGMPv2 general query to 224.0.0.1 every 2 ms from netns $1 via $2.
flood() {
	ip netns exec "$1" /usr/bin/python3 - "$2" <<'EOF' &
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
q = struct.pack('!BBH4s', 0x11, 100, 0, bytes(4))
q = q[:2] + struct.pack('!H', csum(q)) + q[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
while True:
    s.sendto(q, ('224.0.0.1', 0))
    time.sleep(0.002)
EOF
	sender=$!
}

stop_flood() {
	kill "$sender" 2>/dev/null || true
	wait "$sender" 2>/dev/null || true
	sender=
}

# Waits until mchost has counted IGMP in netns $1 (the flood is flowing).
wait_rcv() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(ip netns exec "$1" cat /proc/net/mchost/igmp 2>/dev/null |
			awk '$1 == "rcv_total" { print $2 }')
		((${n:-0} > 0)) && return 0
		sleep 0.05
	done
	echo "FAIL: no IGMP reached mchost in $1"
	return 1
}

reports() {
	dmesg | grep -E 'BUG:|KASAN|general protection|Oops|KFENCE|UBSAN|refcount_t' || true
}

before=$(reports | wc -l)

ip netns add t35peer
ip netns add t35host
ip link add h0 netns t35host type veth peer name p0 netns t35peer
ip -n t35host link set h0 up
ip -n t35peer link set p0 up
ip -n t35peer addr add 192.0.2.2/24 dev p0
ip -n t35peer route add 224.0.0.0/4 dev p0
flood t35peer p0

echo "unload while the hook is stalled, 5 times"
for i in 1 2 3 4 5; do
	insmod "$ko"
	wait_rcv t35host
	echo 30 >"$param"
	sleep 0.1
	rmmod mchost
done
stop_flood

echo "namespace removal while the hook is stalled, 5 times"
insmod "$ko"
for i in 1 2 3 4 5; do
	ip netns add t35gone
	ip link add g0 netns t35gone type veth peer name q0 netns t35peer
	ip -n t35gone link set g0 up
	ip -n t35peer link set q0 up
	flood t35peer q0
	wait_rcv t35gone
	echo 30 >"$param"
	sleep 0.1
	ip netns del t35gone
	# The namespace is cleaned up by a work item: let it run meanwhile.
	sleep 0.3
	echo 0 >"$param"
	stop_flood
done
rmmod mchost

after=$(reports | wc -l)
if ((after != before)); then
	echo "FAIL: kernel reports:"
	reports | tail -n +"$((before + 1))"
	exit 1
fi
echo "PASS: 10 races, no kernel report"
