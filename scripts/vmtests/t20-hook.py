#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t20-hook: the PRE_ROUTING receive hook counts every IGMP/MLD packet once.

Part 1: in netns h, mchost joins G4/G6, which the stock stack has NOT
joined (so the stock stack drops their traffic at routing). Frames are
injected with an AF_PACKET socket on p0 (netns p, the veth peer of h0; p1
feeds h1, a device without memberships). Each
valid query/report must increment rcv_total and exactly its counter; each
malformed packet rcv_total and exactly its reason counter; nothing else
changes (snd_reports aside) and the invariant holds. To keep h quiet, p has
IPv6 disabled and h's devices have no IPv6 address (addr_gen_mode 1, so the
stock stack has no group to report) and force_mld_version 2.

Part 2: a Linux bridge (IGMPv3/MLDv2 querier, fast timers) in netns b with
ports to netns r and o; with mchost loaded, stock socket joins in r still
reach the bridge's mdb, and mchost in r counts the bridge's queries as valid.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, counters, ctl, eq, ip, log, step

NS, PEER = "h", "p"
G4, G6 = "232.5.5.5", "ff3e::5:5"
Q4 = "10.0.0.254"             # IPv4 querier address
LL = "fe80::1"                # link-local querier address
GLOBAL = "2001:db8::1"



# Counters of the protocol engine, not of the receive hook tested here.
ENGINE_COUNTERS = (
    "snd_reports", "snd_errors", "snd_v1_reports", "snd_v2_reports",
    "snd_leaves", "snd_v3_reports", "snd_truncated", "snd_suppressed",
    "qry_v1", "qry_v2", "qry_v3", "qry_general", "qry_group",
    "qry_group_source", "qry_ratelimited")

class Injector:
    def __init__(self):
        self.tx = m.L2Sender("p0", PEER)
        self.tx1 = m.L2Sender("p1", PEER)     # to h1: no memberships there
        self.n = 0

    def expect(self, frames, exp, what, h1=False):
        """Send frames; wait until rcv_total (igmp+mld) grew by the expected
        amount; check the exact counter changes. The protocol engine's
        counters (snd_*: reports sent at any time; qry_*: query kinds) are
        checked by t70-engine, not by this test of the receive hook."""
        want = sum(d.get("rcv_total", 0) for d in exp.values())
        before = counters(NS)
        for f in frames:
            (self.tx1 if h1 else self.tx).send(f)
        self.n += 1

        def total(c):
            return c["igmp"]["rcv_total"] + c["mld"]["rcv_total"]
        m.wait_for(lambda: total(counters(NS)) >= total(before) + want, 3,
                   "%s to be counted (rcv_total +%d)" % (what, want),
                   interval=0.01)
        time.sleep(0.05)          # anything counted twice shows up by now
        after = counters(NS)
        m.expect_delta(before, after, exp, what, ignore=ENGINE_COUNTERS)
        m.check_invariant(after, "after " + what)
        return after


def igmp_frame(payload, dst, src=Q4, **kw):
    return m.frame4(m.ipv4(src, dst, payload, **kw))


def mld_frame(body_fn, dst, src=LL, hlim=1, hbh=m.HBH_RA, frag=None):
    """body_fn(src, dst) builds the ICMPv6 message (checksum needs both)."""
    return m.frame6(m.ipv6(src, dst, 58, body_fn(src, dst), hlim=hlim, hbh=hbh,
                           frag=frag))


def one(proto, *names):
    d = {"rcv_total": 1}
    for n in names:
        d[n] = 1
    return {proto: d}


def part1():
    step("setup: netns h (mchost joins %s, %s) and p (injector)" % (G4, G6))
    m.netns_add(NS)
    m.netns_add(PEER)
    m.veth("h0", NS, "p0", PEER, up=False)
    m.sysctl(PEER, "net.ipv6.conf.p0.disable_ipv6", 1)
    m.sysctl(NS, "net.ipv6.conf.h0.accept_dad", 0)
    m.sysctl(NS, "net.ipv6.conf.h0.addr_gen_mode", 1)
    m.sysctl(NS, "net.ipv6.conf.h0.force_mld_version", 2)
    ip("link set p0 up", ns=PEER)
    ip("link set h0 up", ns=NS)
    m.veth("h1", NS, "p1", PEER, up=False)
    m.sysctl(PEER, "net.ipv6.conf.p1.disable_ipv6", 1)
    m.sysctl(NS, "net.ipv6.conf.h1.force_mld_version", 2)
    ip("link set p1 up", ns=PEER)
    ip("link set h1 up", ns=NS)
    ctl(m.join_args("h0", G4), ns=NS)
    ctl(m.join_args("h0", G6), ns=NS)
    stock = m.maddr_inet("h0", NS)
    check(G4 not in stock and G6 not in stock,
          "the stock stack must not have joined %s/%s (ip maddr: %s)" %
          (G4, G6, sorted(stock)))
    links = m.maddr_links("h0", NS)
    check(m.mcast_mac(G4) in links and m.mcast_mac(G6) in links,
          "mchost's link-layer addresses missing on h0: %s" % links)
    c0 = counters(NS)
    for p in c0:
        eq({k: v for k, v in c0[p].items()
            if v and k not in ENGINE_COUNTERS}, {},
           "%s counters before any packet was injected" % p)

    step("scapy cross-check of the raw packet builders")
    S = m.scapy_layers()
    eq(m.ipv4(Q4, G4, m.igmp_v3_query(G4, ["10.1.1.1", "10.1.1.2"])).hex(),
       m.scapy_igmpv3_query(S, Q4, G4, G4, ["10.1.1.1", "10.1.1.2"]).hex(),
       "raw IGMPv3 query vs scapy")
    eq(m.ipv6(LL, G6, 58, m.mld_v2_query(LL, G6, G6, [GLOBAL])).hex(),
       m.scapy_mldv2_query(S, LL, G6, G6, [GLOBAL]).hex(),
       "raw MLDv2 query vs scapy")
    # The two required queries are sent exactly as scapy encodes them.
    q4 = S["Ether"](dst=m.mcast_mac(G4), src="02:00:00:00:00:01") / \
        S["IP"](src=Q4, dst=G4, ttl=1, tos=0xc0,
                options=[S["IPOption_Router_Alert"]()]) / \
        S["IGMPv3"](type=0x11, mrcode=100) / \
        S["IGMPv3mq"](gaddr=G4, qrv=2, qqic=125)
    q6 = S["Ether"](dst=m.mcast_mac(G6), src="02:00:00:00:00:01") / \
        S["IPv6"](src=LL, dst=G6, hlim=1) / \
        S["IPv6ExtHdrHopByHop"](options=[S["RouterAlert"](value=0)]) / \
        S["ICMPv6MLQuery2"](mrd=1000, mladdr=G6, QRV=2, QQIC=125)

    inj = Injector()
    many4 = ["10.%d.%d.1" % (i // 200, i % 200) for i in range(360)]
    many6 = ["2001:db8::%x" % (i + 1) for i in range(89)]

    step("valid queries: rcv_queries +1 each")
    inj.expect([bytes(q4)], one("igmp", "rcv_queries"),
               "IGMPv3 group-specific query to %s (scapy)" % G4)
    inj.expect([bytes(q6)], one("mld", "rcv_queries"),
               "MLDv2 group-specific query to %s (scapy)" % G6)
    v4 = [
        ("IGMPv3 general query", m.igmp_v3_query(), "224.0.0.1", {}),
        ("IGMPv3 group-and-source query",
         m.igmp_v3_query(G4, ["10.1.1.2", "10.1.1.1"]), G4, {}),
        ("IGMPv3 general query from 0.0.0.0 (RFC 4541)", m.igmp_v3_query(),
         "224.0.0.1", {"src": "0.0.0.0"}),
        ("IGMPv3 query with MRC 0 and QQIC 0", m.igmp_v3_query(
            G4, mrc=0, qqic=0, qrv=0), G4, {}),
        ("IGMPv2 general query with Router Alert (8 bytes after options)",
         m.igmp_v12(0x11, 100, "0.0.0.0"), "224.0.0.1", {}),
        ("IGMPv2 group-specific query", m.igmp_v12(0x11, 10, G4), G4, {}),
        ("IGMPv1 query", m.igmp_v12(0x11, 0, "0.0.0.0"), "224.0.0.1", {}),
        # RFC 1112: receivers ignore a v1 query's group field.
        ("IGMPv1 query (code 0) with a nonzero group",
         m.igmp_v12(0x11, 0, G4), "224.0.0.1", {}),
    ]
    for what, msg, dst, kw in v4:
        inj.expect([igmp_frame(msg, dst, **kw)], one("igmp", "rcv_queries"),
                   what)
    v6 = [
        ("MLDv2 general query to ff02::1",
         lambda s, d: m.mld_v2_query(s, d), "ff02::1"),
        ("MLDv2 group-and-source query",
         lambda s, d: m.mld_v2_query(s, d, G6, [GLOBAL, "2001:db8::2"]), G6),
        ("MLDv2 query with MRC 0 / QQIC 0",
         lambda s, d: m.mld_v2_query(s, d, G6, mrd=0, qqic=0, qrv=0), G6),
        ("MLDv1 general query (24 bytes)",
         lambda s, d: m.mld_v1(s, d, 130, "::", mrd=1000), "ff02::1"),
        ("MLDv1 group-specific query",
         lambda s, d: m.mld_v1(s, d, 130, G6, mrd=1000), G6),
    ]
    for what, fn, dst in v6:
        inj.expect([mld_frame(fn, dst)], one("mld", "rcv_queries"), what)
    inj.expect([igmp_frame(m.igmp_v3_query(G4, many4), G4)],
               one("igmp", "rcv_queries"), "IGMPv3 query with 360 sources "
               "(a 1,500-byte packet)")
    inj.expect([mld_frame(lambda s, d: m.mld_v2_query(s, d, G6, many6), G6)],
               one("mld", "rcv_queries"), "MLDv2 query with 89 sources "
               "(a 1,500-byte packet)")
    inj.expect([igmp_frame(m.igmp_v12(0x11, 100, "0.0.0.0"), "224.0.0.1",
                           opts=m.RA4 + b"\x01\x01\x01\x01")],
               one("igmp", "rcv_queries"), "IGMPv2 query after 8 bytes of IP "
               "options (RA + 4 NOPs)")
    inj.expect([m.frame6(m.ipv6(LL, "ff02::1", 58, m.mld_v2_query(
        LL, "ff02::1"), dstopts=m.HBH_PAD))], one("mld", "rcv_queries"),
        "MLDv2 query after Hop-by-Hop + Destination Options headers")
    inj.expect([bytes(q4)], one("igmp", "rcv_queries"),
               "IGMPv3 query on h1 (a device without memberships)", h1=True)
    inj.expect([bytes(q6)], one("mld", "rcv_queries"),
               "MLDv2 query on h1 (a device without memberships)", h1=True)

    step("valid reports: rcv_reports (+ rcv_ourreports for ours, v1/v2)")
    other4, other6 = "239.77.0.1", "ff3e::77"
    inj.expect([igmp_frame(m.igmp_v12(0x16, 0, G4), G4, src="10.0.0.7")],
               one("igmp", "rcv_reports", "rcv_ourreports"),
               "IGMPv2 report for %s (held by mchost)" % G4)
    inj.expect([igmp_frame(m.igmp_v12(0x12, 0, G4), G4, src="10.0.0.7")],
               one("igmp", "rcv_reports", "rcv_ourreports"),
               "IGMPv1 report for %s (held by mchost)" % G4)
    inj.expect([igmp_frame(m.igmp_v12(0x16, 0, G4), G4, src="10.0.0.7")],
               one("igmp", "rcv_reports"), "IGMPv2 report for %s on h1 "
               "(mchost holds it on h0 only)" % G4, h1=True)
    inj.expect([mld_frame(lambda s, d: m.mld_v1(s, d, 131, G6), G6,
                          src="fe80::7")],
               one("mld", "rcv_reports"), "MLDv1 report for %s on h1 "
               "(mchost holds it on h0 only)" % G6, h1=True)
    inj.expect([igmp_frame(m.igmp_v12(0x16, 0, other4), other4,
                           src="10.0.0.7")],
               one("igmp", "rcv_reports"), "IGMPv2 report for %s (not held)"
               % other4)
    inj.expect([igmp_frame(m.igmp_v3_report(
        [(2, G4, []), (1, other4, ["10.9.9.9", "10.9.9.8"])]),
        "224.0.0.22", src="10.0.0.7")],
        one("igmp", "rcv_reports"), "IGMPv3 report (2 records, one ours)")
    inj.expect([mld_frame(lambda s, d: m.mld_v1(s, d, 131, G6), G6,
                          src="fe80::7")],
               one("mld", "rcv_reports", "rcv_ourreports"),
               "MLDv1 report for %s (held by mchost)" % G6)
    inj.expect([mld_frame(lambda s, d: m.mld_v1(s, d, 131, other6), other6,
                          src="fe80::7")],
               one("mld", "rcv_reports"), "MLDv1 report for %s (not held)"
               % other6)
    inj.expect([mld_frame(lambda s, d: m.mld_v2_report(
        s, d, [(2, G6, []), (1, other6, [GLOBAL])]), "ff02::16",
        src="fe80::7")],
        one("mld", "rcv_reports"), "MLDv2 report (2 records, one ours)")
    # A valid IGMPv2 Leave / MLDv1 Done counts as a report (the invariant
    # needs it in some counter; it is validated like a report).
    inj.expect([igmp_frame(m.igmp_v12(0x17, 0, G4), "224.0.0.2",
                           src="10.0.0.7")],
               one("igmp", "rcv_reports"), "IGMPv2 leave for %s" % G4)
    inj.expect([mld_frame(lambda s, d: m.mld_v1(s, d, 132, G6), "ff02::2",
                          src="fe80::7")],
               one("mld", "rcv_reports"), "MLDv1 done for %s" % G6)
    inj.expect([igmp_frame(m.igmp_v3_report(
        [(1, "232.9.%d.1" % i, many4[i * 40:(i + 1) * 40])
         for i in range(8)] + [(2, G4, [])]), "224.0.0.22", src="10.0.0.7")],
        one("igmp", "rcv_reports"), "IGMPv3 report of 1,360 bytes (9 records)")
    inj.expect([mld_frame(lambda s, d: m.mld_v2_report(
        s, d, [(1, "ff3e::9:%d" % i, many6[i * 20:(i + 1) * 20])
               for i in range(4)]), "ff02::16", src="fe80::7")],
        one("mld", "rcv_reports"), "MLDv2 report of 1,368 bytes (4 records)")

    step("ignored: unknown IGMP types; non-IGMP/MLD packets not counted")
    inj.expect([igmp_frame(m.igmp_v12(0x13, 0, "0.0.0.0"), "224.0.0.1")],
               one("igmp", "rcv_unknown"), "IGMP type 0x13 (DVMRP)")
    inj.expect([igmp_frame(m.igmp_v12(0x1e, 0, "0.0.0.0"), "224.0.0.1")],
               one("igmp", "rcv_unknown"), "IGMP type 0x1e (mtrace resp.)")
    marker4 = igmp_frame(m.igmp_v12(0x13, 0, "0.0.0.0"), "224.0.0.1")
    udp4 = m.frame4(m.ipv4(Q4, G4, struct.pack("!HHHH", 1000, 2000, 12, 0) +
                           b"abcd", proto=17, ra=False, ttl=64))
    inj.expect([udp4, marker4], one("igmp", "rcv_unknown"),
               "UDP to %s (not counted) + marker" % G4)
    echo6 = mld_frame(lambda s, d: m.icmp6_msg(
        s, d, struct.pack("!BBHHH", 128, 0, 0, 1, 1) + b"ping"), "ff02::1",
        hlim=64, hbh=None)
    rs6 = mld_frame(lambda s, d: m.icmp6_msg(
        s, d, struct.pack("!BBHI", 133, 0, 0, 0)), "ff02::2", hlim=255,
        hbh=None)
    echo6x = m.frame6(m.ipv6(LL, "ff02::1", 58, m.icmp6_msg(
        LL, "ff02::1", struct.pack("!BBHHH", 128, 0, 0, 1, 2) + b"ping"),
        dstopts=m.HBH_PAD))
    inj.expect([echo6, rs6, echo6x, marker4], one("igmp", "rcv_unknown"),
               "ICMPv6 echo (also behind HbH + DestOpts) and router "
               "solicitation (not MLD) + marker")

    step("malformed IGMP: exactly one reason counter each")
    bad4 = [
        ("IGMP of 4 bytes", igmp_frame(m.igmp_msg(
            bytes([0x11, 100, 0, 0])), "224.0.0.1"), "rcv_tooshort"),
        ("IGMP of 7 bytes", igmp_frame(m.igmp_msg(
            bytes([0x11, 100, 0, 0, 0, 0, 0])), "224.0.0.1"), "rcv_tooshort"),
        ("IGMPv3 query with a bad checksum",
         igmp_frame(m.igmp_v3_query(G4, bad_csum=True), G4), "rcv_badsum"),
        ("IGMPv2 report with a bad checksum",
         igmp_frame(m.igmp_v12(0x16, 0, G4, bad_csum=True), G4),
         "rcv_badsum"),
        ("IGMPv3 report with a bad checksum",
         igmp_frame(m.igmp_v3_report([(2, G4, [])], bad_csum=True),
                    "224.0.0.22"), "rcv_badsum"),
    ]
    for n in (9, 10, 11):
        bad4.append(("IGMP query of %d bytes" % n, igmp_frame(m.igmp_msg(
            m.igmp_v3_query(G4)[:n]), G4), "rcv_badqueries"))
    bad4 += [
        ("IGMPv3 query: 2 sources announced, 1 present",
         igmp_frame(m.igmp_v3_query(G4, ["10.1.1.1"], nsrc=2), G4),
         "rcv_badqueries"),
        ("IGMPv3 query: 1 source announced, none present",
         igmp_frame(m.igmp_v3_query(G4, [], nsrc=1), G4), "rcv_badqueries"),
        ("IGMPv3 query: 65535 sources announced",
         igmp_frame(m.igmp_v3_query(G4, ["10.1.1.1"] * 3, nsrc=65535), G4),
         "rcv_badqueries"),
        ("IGMPv2 query with a unicast group",
         igmp_frame(m.igmp_v12(0x11, 100, "10.1.1.1"), "224.0.0.1"),
         "rcv_badqueries"),
        ("IGMPv3 query with a unicast group",
         igmp_frame(m.igmp_v3_query("10.1.1.1"), "224.0.0.1"),
         "rcv_badqueries"),
        ("IGMPv2 report with a unicast group",
         igmp_frame(m.igmp_v12(0x16, 0, "10.1.2.3"), G4), "rcv_badreports"),
        ("IGMPv1 report with a unicast group",
         igmp_frame(m.igmp_v12(0x12, 0, "10.1.2.3"), G4), "rcv_badreports"),
        ("IGMPv2 leave with a unicast group",
         igmp_frame(m.igmp_v12(0x17, 0, "10.1.2.3"), "224.0.0.2"),
         "rcv_badreports"),
        ("IGMPv3 report: record with 3 sources announced, 1 present",
         igmp_frame(m.igmp_v3_report([(1, G4, ["10.1.1.1"], 3)]),
                    "224.0.0.22"), "rcv_badreports"),
        ("IGMPv3 report: 2 records announced, 1 present",
         igmp_frame(m.igmp_v3_report([(2, G4, [])], nrec=2), "224.0.0.22"),
         "rcv_badreports"),
        ("IPv4 first fragment (MF) carrying an IGMPv3 query",
         igmp_frame(m.igmp_v3_query(G4), G4, mf=True, ident=77),
         "rcv_fragments"),
        ("IPv4 last fragment (offset 8) of protocol 2",
         igmp_frame(m.igmp_v3_query(G4)[:8], G4, frag_off=8, ident=78),
         "rcv_fragments"),
    ]
    for what, frame, reason in bad4:
        inj.expect([frame], one("igmp", reason), what)

    step("malformed MLD: exactly one reason counter each")
    gq = lambda s, d: m.mld_v2_query(s, d)          # noqa: E731
    bad6 = [
        ("MLD query of 4 bytes", mld_frame(
            lambda s, d: m.icmp6_msg(s, d, bytes([130, 0, 0, 0])), "ff02::1"),
         "rcv_tooshort"),
        ("MLDv2 query with a bad checksum",
         mld_frame(lambda s, d: m.mld_v2_query(s, d, bad_csum=True),
                   "ff02::1"), "rcv_badsum"),
        ("MLDv1 report with a bad checksum",
         mld_frame(lambda s, d: m.mld_v1(s, d, 131, G6, bad_csum=True), G6),
         "rcv_badsum"),
    ]
    for n in (25, 26, 27):
        bad6.append(("MLD query of %d bytes" % n, mld_frame(
            lambda s, d, n=n: m.mld_v2_query(s, d, trunc=n), "ff02::1"),
            "rcv_badqueries"))
    bad6 += [
        ("MLDv2 query: 2 sources announced, 1 present",
         mld_frame(lambda s, d: m.mld_v2_query(s, d, G6, [GLOBAL], nsrc=2),
                   G6), "rcv_badqueries"),
        ("MLDv2 query: 1 source announced, 8 bytes present",
         mld_frame(lambda s, d: m.mld_v2_query(s, d, G6, [GLOBAL], trunc=36),
                   G6), "rcv_badqueries"),
        ("MLDv2 query from a global source", mld_frame(gq, "ff02::1",
                                                       src=GLOBAL),
         "rcv_badsrc"),
        ("MLDv2 query from ::", mld_frame(gq, "ff02::1", src="::"),
         "rcv_badsrc"),
        ("MLDv1 query from a global source", mld_frame(
            lambda s, d: m.mld_v1(s, d, 130, mrd=1000), "ff02::1", src=GLOBAL),
         "rcv_badsrc"),
        ("MLDv2 query with hop limit 2", mld_frame(gq, "ff02::1", hlim=2),
         "rcv_badhoplimit"),
        ("MLDv2 query with hop limit 255", mld_frame(gq, "ff02::1", hlim=255),
         "rcv_badhoplimit"),
        ("MLDv2 query without a Hop-by-Hop header",
         mld_frame(gq, "ff02::1", hbh=None), "rcv_nora"),
        ("MLDv2 query with a Hop-by-Hop header without Router Alert",
         mld_frame(gq, "ff02::1", hbh=m.HBH_PAD), "rcv_nora"),
        ("MLDv1 query without Router Alert", mld_frame(
            lambda s, d: m.mld_v1(s, d, 130, mrd=1000), "ff02::1", hbh=None),
         "rcv_nora"),
        # order of the query checks: source, then hop limit, then RA, all
        # after checksum and length (RFC 9777 5.1.14, 6.2)
        ("query: global source + hop limit 2 + no RA",
         mld_frame(gq, "ff02::1", src=GLOBAL, hlim=2, hbh=None),
         "rcv_badsrc"),
        ("query: hop limit 2 + no RA",
         mld_frame(gq, "ff02::1", hlim=2, hbh=None), "rcv_badhoplimit"),
        ("query: bad checksum + global source + hop limit 2",
         mld_frame(lambda s, d: m.mld_v2_query(s, d, bad_csum=True),
                   "ff02::1", src=GLOBAL, hlim=2), "rcv_badsum"),
        ("query: 26 bytes + global source",
         mld_frame(lambda s, d: m.mld_v2_query(s, d, trunc=26), "ff02::1",
                   src=GLOBAL), "rcv_badqueries"),
        ("MLDv1 report with a unicast address",
         mld_frame(lambda s, d: m.mld_v1(s, d, 131, GLOBAL), G6),
         "rcv_badreports"),
        ("MLDv2 report: record with 3 sources announced, 1 present",
         mld_frame(lambda s, d: m.mld_v2_report(s, d, [(1, G6, [GLOBAL], 3)]),
                   "ff02::16"), "rcv_badreports"),
        ("MLDv2 report: 2 records announced, 1 present",
         mld_frame(lambda s, d: m.mld_v2_report(s, d, [(2, G6, [])], nrec=2),
                   "ff02::16"), "rcv_badreports"),
        ("IPv6 first fragment carrying an MLDv2 query",
         mld_frame(gq, "ff02::1", frag=(0, True, 99)), "rcv_fragments"),
    ]
    for what, frame, reason in bad6:
        inj.expect([frame], one("mld", reason), what)

    step("the required queries once more, after all the bad input")
    inj.expect([bytes(q4)], one("igmp", "rcv_queries"),
               "IGMPv3 group-specific query (again)")
    inj.expect([bytes(q6)], one("mld", "rcv_queries"),
               "MLDv2 group-specific query (again)")
    # CVE-2012-0207 pattern: v3 queries with Max Resp Code 0 after v1/v2
    # queries (which may have switched the compatibility mode)
    inj.expect([igmp_frame(m.igmp_v3_query(mrc=0), "224.0.0.1")],
               one("igmp", "rcv_queries"), "IGMPv3 general query, MRC 0, "
               "after v1/v2 queries")
    inj.expect([igmp_frame(m.igmp_v3_query(G4, mrc=0), G4)],
               one("igmp", "rcv_queries"), "IGMPv3 group query, MRC 0")
    inj.expect([mld_frame(lambda s, d: m.mld_v2_query(s, d, mrd=0),
                          "ff02::1")], one("mld", "rcv_queries"),
               "MLDv2 general query, MRC 0, after MLDv1 queries")

    step("`stats` and `-j stats` equal /proc/net/mchost/{igmp,mld}")
    c = m.check_stats_cli(NS)
    m.check_invariant(c, "at the end of part 1")
    log("part 1: %d injections checked; igmp rcv_total %d, mld rcv_total %d"
        % (inj.n, c["igmp"]["rcv_total"], c["mld"]["rcv_total"]))
    # Counters are per netns: nothing injected into h shows in p (h sends
    # no query and nothing malformed; p0 has IPv6 disabled).
    cp = counters(PEER)
    eq({p: {k: v for k, v in cp[p].items() if v and k not in
            ("rcv_total", "rcv_reports", "rcv_ourreports") +
            ENGINE_COUNTERS}
        for p in cp}, {"igmp": {}, "mld": {}},
       "counters of netns p (only reports sent by h may arrive there)")
    eq(cp["mld"]["rcv_total"], 0, "mld rcv_total of netns p (IPv6 off)")
    inj.tx.close()
    inj.tx1.close()


def mdb_groups(port):
    return {m.canon(e["grp"]) for e in m.mdb_entries("b")
            if e.get("port") == port and not e.get("src")}


def part2():
    step("bridge querier (IGMPv3/MLDv2) in netns b; stock joins in r")
    GB4, GB6 = "239.7.7.7", "ff3e::7:7"
    for ns in ("b", "r", "o"):
        m.netns_add(ns, ll=True)
    m.bridge_querier("b")
    m.veth("vb1", "b", "r0", "r", up=False)
    m.veth("vb2", "b", "o0", "o", up=False)
    ip("link set vb1 master br0 up", ns="b")
    ip("link set vb2 master br0 up", ns="b")
    ip("link set br0 up", ns="b")
    ip("addr add 192.168.77.2/24 dev r0", ns="r")
    ip("link set r0 up", ns="r")
    ip("addr add 192.168.77.3/24 dev o0", ns="o")
    ip("link set o0 up", ns="o")
    ridx = m.ifindex("r0", "r")
    with m.in_netns("r"):
        s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                      socket.inet_aton(GB4) + socket.inet_aton("0.0.0.0") +
                      struct.pack("@i", ridx))
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                      m.addr_bytes(GB6) + struct.pack("@I", ridx))
    check(GB4 in m.maddr_inet("r0", "r"), "stock IPv4 join not in ip maddr")
    t0 = time.monotonic()
    m.wait_for(lambda: {GB4, GB6} <= mdb_groups("vb1"), 15,
               "the bridge to learn %s and %s on port vb1 (stock joins in r)"
               % (GB4, GB6), interval=0.2)
    log("bridge mdb has %s and %s on vb1 after %.1fs" %
        (GB4, GB6, time.monotonic() - t0))
    eq(mdb_groups("vb2") & {GB4, GB6}, set(),
       "mdb entries of the test groups on vb2 (o did not join them)")

    step("mchost in r counts the bridge's queries as valid")

    def queried():
        c = counters("r")
        return c if (c["igmp"]["rcv_queries"] >= 1 and
                     c["mld"]["rcv_queries"] >= 1) else None
    c = m.wait_for(queried, 15, "mchost in r to count the bridge's IGMP and "
                   "MLD queries", interval=0.2)
    m.check_invariant(c, "in netns r")
    for p in ("igmp", "mld"):
        bad = {k: v for k, v in c[p].items() if k.startswith("rcv_") and v and
               k not in ("rcv_total", "rcv_queries", "rcv_reports",
                         "rcv_ourreports")}
        eq(bad, {}, "%s drop counters in r (bridge queries and stock "
           "reports are all valid)" % p)
    s4.close()
    s6.close()


def body():
    tw = m.TaintWatch()
    m.fresh_module()
    part1()
    part2()
    tw.check()


if __name__ == "__main__":
    m.main(body)
