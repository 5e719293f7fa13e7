#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t22-receive-checks: what a received message must be to be acted on.

- IGMP: TTL 1 (RFC 9776 §4), and a query addressed to all-systems, to the
  group it asks about or to an address of the interface (§4.1.12): a query
  with TTL 2, or routed through the host to another's address, is counted
  (rcv_badttl, rcv_baddst) and changes nothing, not even the version.
- An IGMPv1 query naming a group is a v1 General Query (RFC 1112 App. I).
- MLD: the same destinations for queries; reports need hop limit 1 and a
  link-local (or unspecified) source before they may suppress ours.
- Another host's v1/v2 report suppresses ours only when it is valid.
- With br_netfilter (every Docker host), queries reaching a membership on
  a bridge are answered, IGMP and MLD, and a frame the bridge only
  forwards is not taken for the host's.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, ctl, eq, ip, step

NS, PEER = "h", "p"
H4, P4 = "10.0.0.2", "10.0.0.1"
H_LL, P_LL = "fe80::2", "fe80::1"
G4, G6 = "239.1.1.1", "ff3e::1"
QUIET = 1.0     # a response to Max Resp Code 0 would come at once


class Side:
    """The peer: injects frames, captures what the host sends."""

    def __init__(self, dev, ns, to_dev, to_ns):
        self.cap = m.Capture(dev, ns)
        self.mac = m.link_mac(to_dev, to_ns)
        self.ns = to_ns

    def send(self, frame):
        """Send frame; the host's counters before, the kernel send time."""
        c0 = m.counters(self.ns)
        return c0, self.cap.send(frame)

    def close(self):
        self.cap.close()


def v3_query4(dst, ttl=1, mac=None, group="0.0.0.0"):
    pkt = m.ipv4(P4, dst, m.igmp_v3_query(group, mrc=0), ttl=ttl)
    return m.ether(mac or m.mcast_mac(dst), "02:00:00:00:00:01", 0x0800, pkt)


def v2_query6(dst, mac=None, src=P_LL, hlim=1):
    pkt = m.ipv6(src, dst, 58, m.mld_v2_query(src, dst, mrd=0), hlim=hlim)
    return m.ether(mac or m.mcast_mac(dst), "02:00:00:00:00:01", 0x86dd, pkt)


def settle(side, c0, what, exp, ns):
    """Wait QUIET s, then the counters of ns moved exactly by exp."""
    time.sleep(QUIET)
    c = m.counters(ns)
    m.expect_delta(c0, c, exp, what, ignore=("snd_reports",
                                             "snd_v3_reports"))
    m.check_invariant(c, what)


IS_EX = 2      # a current-state record: an answer, not a state change


def answered(side, fam, t0, group, what):
    side.cap.wait(lambda ps: [r for r in m.records(ps)
                              if r[:2] == (IS_EX, m.canon(group))],
                  QUIET, what, since=t0, fam=fam)


def silent(side, fam, t0, group, what):
    recs = [r for r in m.records(side.cap.get(t0, fam=fam))
            if r[1] == m.canon(group)]
    eq(recs, [], what)


def version(dev, ns, key):
    return m.ctl_json(["ifaces", "dev", dev], ns=ns)[0][key]


def igmp(side):
    Q = {"rcv_total": 1, "rcv_queries": 1, "qry_v3": 1, "qry_general": 1}
    step("IGMP: a general query to 224.0.0.1 with TTL 1 is answered")
    c0, t0 = side.send(v3_query4("224.0.0.1"))
    answered(side, m.IGMP, t0, G4, "the answer to a valid query")
    settle(side, c0, "valid query", {"igmp": Q}, NS)

    step("IGMP: TTL 2 (crossed a router): rcv_badttl, no answer")
    c0, t0 = side.send(v3_query4("224.0.0.1", ttl=2))
    settle(side, c0, "query with TTL 2",
           {"igmp": {"rcv_total": 1, "rcv_badttl": 1}}, NS)
    silent(side, m.IGMP, t0, G4, "answers to a query with TTL 2")

    step("IGMP: a v1 query routed through (TTL 2) leaves the version at 3")
    c0, t0 = side.send(m.ether(m.mcast_mac("224.0.0.1"), "02:00:00:00:00:01",
                               0x0800, m.ipv4(P4, "224.0.0.1",
                                              m.igmp_v12(0x11, 0, "0.0.0.0"),
                                              ttl=2)))
    settle(side, c0, "v1 query with TTL 2",
           {"igmp": {"rcv_total": 1, "rcv_badttl": 1}}, NS)
    eq(version("h0", NS, "igmp_version"), 3, "igmp_version after it")

    step("IGMP: to another host's address (transit): rcv_baddst")
    c0, t0 = side.send(v3_query4("10.0.0.99", mac=side.mac))
    settle(side, c0, "query to 10.0.0.99",
           {"igmp": {"rcv_total": 1, "rcv_baddst": 1}}, NS)
    silent(side, m.IGMP, t0, G4, "answers to a query for 10.0.0.99")

    step("IGMP: to the interface's own address: answered")
    c0, t0 = side.send(v3_query4(H4, mac=side.mac))
    answered(side, m.IGMP, t0, G4, "the answer to a query to %s" % H4)
    settle(side, c0, "query to %s" % H4, {"igmp": Q}, NS)

    step("IGMP: a group query to the group: answered; to another: not")
    c0, t0 = side.send(v3_query4(G4, group=G4))
    answered(side, m.IGMP, t0, G4, "the answer to a group query")
    settle(side, c0, "group query", {"igmp": {
        "rcv_total": 1, "rcv_queries": 1, "qry_v3": 1, "qry_group": 1}}, NS)
    c0, t0 = side.send(v3_query4("239.9.9.9", group=G4))
    settle(side, c0, "group query sent to 239.9.9.9",
           {"igmp": {"rcv_total": 1, "rcv_baddst": 1}}, NS)
    silent(side, m.IGMP, t0, G4, "answers to it")


def suppression(side):
    step("IGMPv2 mode: another host's report suppresses ours only if TTL 1")
    m.write_param("igmp_max_version", 2)
    q = m.ipv4(P4, "224.0.0.1", m.igmp_v12(0x11, 100, "0.0.0.0"))
    rep2 = m.ipv4(P4, G4, m.igmp_v12(0x16, 0, G4), ttl=2)
    rep1 = m.ipv4(P4, G4, m.igmp_v12(0x16, 0, G4))
    c0 = m.counters(NS)
    # A v2 query with Max Resp Time 10 s, then at once the two reports.
    for p in (q, rep2, rep1):
        side.cap.send(m.frame4(p))
    time.sleep(QUIET)
    m.expect_delta(c0, m.counters(NS), {"igmp": {
        "rcv_total": 3, "rcv_queries": 1, "qry_v2": 1, "qry_general": 1,
        "rcv_badttl": 1, "rcv_reports": 1, "rcv_ourreports": 1,
        "snd_suppressed": 1}}, "v2 query, a TTL-2 report, a valid report",
        ignore=("snd_reports",))
    m.write_param("igmp_max_version", 3)


def igmp_v1_group(side):
    step("IGMPv1 query naming a group: a v1 General Query (RFC 1112)")
    c0, t0 = side.send(m.frame4(m.ipv4(P4, "224.0.0.1",
                                       m.igmp_v12(0x11, 0, "239.9.9.9"))))
    time.sleep(0.2)
    eq(version("h0", NS, "igmp_version"), 1, "igmp_version after it")
    m.expect_delta(c0, m.counters(NS), {"igmp": {
        "rcv_total": 1, "rcv_queries": 1, "qry_v1": 1, "qry_general": 1}},
        "v1 query with a group field",
        # Its answer comes at random within 10 s: maybe already.
        ignore=("snd_reports", "snd_v1_reports"))


def mld(side):
    Q = {"rcv_total": 1, "rcv_queries": 1, "qry_v3": 1, "qry_general": 1}
    step("MLD: a general query to ff02::1 is answered")
    c0, t0 = side.send(v2_query6("ff02::1"))
    answered(side, m.MLD, t0, G6, "the answer to a valid MLD query")
    settle(side, c0, "valid MLD query", {"mld": Q}, NS)

    step("MLD: to another host's unicast address: rcv_baddst")
    c0, t0 = side.send(v2_query6("fe80::99", mac=side.mac))
    settle(side, c0, "MLD query to fe80::99",
           {"mld": {"rcv_total": 1, "rcv_baddst": 1}}, NS)
    silent(side, m.MLD, t0, G6, "answers to it")

    step("MLD: to the interface's link-local address: answered")
    c0, t0 = side.send(v2_query6(H_LL, mac=side.mac))
    answered(side, m.MLD, t0, G6, "the answer to a query to %s" % H_LL)
    settle(side, c0, "MLD query to %s" % H_LL, {"mld": Q}, NS)

    step("MLDv1 mode: a report from a global source suppresses nothing")
    m.write_param("mld_max_version", 1)
    # A query for G6 alone: a general one would also make the stock MLD
    # of either side report its own groups within the 10 s, and such a
    # report, seen by the hook, would be one more rcv_reports.
    q = m.ipv6(P_LL, G6, 58, m.mld_v1(P_LL, G6, 130, G6, mrd=10000))
    bad = m.ipv6("2001:db8::5", G6, 58, m.mld_v1("2001:db8::5", G6, 131, G6))
    good = m.ipv6("::", G6, 58, m.mld_v1("::", G6, 131, G6))
    c0 = m.counters(NS)
    for p in (q, bad, good):
        side.cap.send(m.frame6(p))
    time.sleep(QUIET)
    m.expect_delta(c0, m.counters(NS), {"mld": {
        "rcv_total": 3, "rcv_queries": 1, "qry_v2": 1, "qry_group": 1,
        "rcv_badsrc": 1, "rcv_reports": 1, "rcv_ourreports": 1,
        "snd_suppressed": 1}},
        "MLDv1 query, a report from a global source, one from ::",
        ignore=("snd_reports",))
    m.write_param("mld_max_version", 2)


def bridge(brmod):
    """A membership on br0, queries from a host behind a port."""
    B, Q = "b", "q"
    step("bridge%s: queries to a membership on br0 are answered" %
         (" with br_netfilter" if brmod else ""))
    m.netns_add(B)
    m.netns_add(Q)
    ip("link add br0 type bridge mcast_snooping 0", ns=B)
    m.veth("bp0", B, "bq0", Q, up=True)
    ip("link set bp0 master br0", ns=B)
    ip("addr add 10.1.0.2/24 dev br0", ns=B)
    ip("addr add fe80::b/64 dev br0 nodad", ns=B)
    ip("link set br0 up", ns=B)
    if brmod:
        m.run(["modprobe", "br_netfilter"])
        for k in ("bridge-nf-call-iptables", "bridge-nf-call-ip6tables"):
            m.sysctl(B, "net.bridge." + k, 1)
    ctl("join dev br0 group 239.2.2.2", ns=B)
    ctl("join dev br0 group ff3e::2", ns=B)
    side = Side("bq0", Q, "br0", B)
    time.sleep(2.5)     # the joins' own reports are done
    Q1 = {"rcv_total": 1, "rcv_queries": 1, "qry_v3": 1, "qry_general": 1}
    try:
        c0, t0 = side.send(v3_query4("224.0.0.1"))
        answered(side, m.IGMP, t0, "239.2.2.2", "IGMP answer from br0")
        settle(side, c0, "IGMP query on the bridge (counted once)",
               {"igmp": Q1}, B)
        c0, t0 = side.send(v2_query6("ff02::1"))
        answered(side, m.MLD, t0, "ff3e::2", "MLD answer from br0")
        settle(side, c0, "MLD query on the bridge (counted once)",
               {"mld": Q1}, B)
        step("bridge: a query the bridge only forwards is not the host's")
        other = "02:00:00:00:00:99"
        c0, t0 = side.send(v3_query4("10.1.0.99", mac=other))
        time.sleep(QUIET)
        silent(side, m.IGMP, t0, "239.2.2.2", "answers to a query for 10.1.0.99")
        d = m.delta(c0, m.counters(B))["igmp"]
        check(d["rcv_queries"] == 0,
              "a forwarded query was taken as the host's: %r" % d)
    finally:
        side.close()
        m.netns_del(B)
        m.netns_del(Q)
        if brmod:
            m.run(["modprobe", "-r", "br_netfilter"], check=False)


def test():
    m.fresh_module()
    # No automatic link-local addresses: the peer's stack then sends no
    # MLD reports of its own into h's counters.
    m.netns_add(NS)
    m.netns_add(PEER)
    m.veth("h0", NS, "p0", PEER)
    ip("addr add %s/24 dev h0" % H4, ns=NS)
    ip("addr add %s/64 dev h0 nodad" % H_LL, ns=NS)
    ctl("join dev h0 group %s" % G4, ns=NS)
    ctl("join dev h0 group %s" % G6, ns=NS)
    side = Side("p0", PEER, "h0", NS)
    time.sleep(2.5)     # the joins' own reports are done
    try:
        igmp(side)
        suppression(side)
        mld(side)
        igmp_v1_group(side)
    finally:
        side.close()
    bridge(False)
    bridge(True)
    m.rmmod()


if __name__ == "__main__":
    m.main(test)
