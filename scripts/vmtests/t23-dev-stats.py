#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t23-dev-stats: the counters of each device (GET_STATS, `stats dev`).

- Two devices with memberships, h0 and h1: frames sent to h0 (valid IGMP
  and MLD general queries, a report of another host, and one drop of each
  of eleven reasons) move h0's counters by exactly the expected deltas,
  the answers to the queries included (snd_reports, snd_v3_reports); h1's
  do not move; the namespace's /proc files move by the same deltas. A query
  to h1 then moves h1 only. Each device keeps rcv_total = rcv_queries +
  rcv_reports + the drop reasons.
- Every device of the namespace has mchost state, so the devices' counters
  add up to the namespace's exactly.
- GET_STATS, through the YNL library and the family's spec: one message per
  device (lo, h0, h1) with IFINDEX, IFNAME and both nests of u64 counters,
  named and ordered as /proc/net/mchost/igmp's lines (each attribute and
  counter once, checked on the raw messages); the IFINDEX filter; an
  unknown ifindex dumps nothing (as GET_IFACE); uid 65534 may dump.
- `mchostctl stats dev DEV` prints GET_STATS's counters in the lines of
  `stats`; `-j` the same object plus ifname and ifindex; an unknown device
  is an error.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, ctl, eq, step

NS, PEER = "h", "p"
H4, P4 = "10.0.0.2", "10.0.0.1"
H14, P14 = "10.0.1.2", "10.0.1.1"
H_LL, P_LL = "fe80::2", "fe80::1"
G4, G6 = "239.1.1.1", "ff3e::1"
UNPRIV = ["setpriv", "--reuid", "65534", "--regid", "65534",
          "--clear-groups"]
QUIET = 1.5


def q4(dst, ttl=1, mac=None, src=P4, group="0.0.0.0"):
    pkt = m.ipv4(src, dst, m.igmp_v3_query(group, mrc=0), ttl=ttl)
    return m.ether(mac or m.mcast_mac(dst), "02:00:00:00:00:01", 0x0800, pkt)


def q6(dst="ff02::1", src=P_LL, hlim=1, hbh=m.HBH_RA):
    pkt = m.ipv6(src, dst, 58, m.mld_v2_query(src, dst, mrd=0), hlim=hlim,
                 hbh=hbh)
    return m.ether(m.mcast_mac(dst), "02:00:00:00:00:01", 0x86dd, pkt)


def dev_stats(g):
    """{ifname: {"igmp": {...}, "mld": {...}}} of every device, and the
    dump as it came."""
    dump = m.genl_stats(g, NS)
    return {d["ifname"]: {"igmp": d["igmp"], "mld": d["mld"]}
            for d in dump}, dump


def snapshot(g):
    """The devices' counters and the namespace's, read while nothing moves
    (the same before and after)."""
    for _ in range(10):
        c = m.counters(NS)
        d, _ = dev_stats(g)
        if m.counters(NS) == c and dev_stats(g)[0] == d:
            return d, c
        time.sleep(0.2)
    m.fail("the counters keep moving")


def total(devs):
    """The sum of the devices' counters."""
    out = {}
    for d in devs.values():
        for p, cs in d.items():
            for k, v in cs.items():
                out.setdefault(p, {}).setdefault(k, 0)
                out[p][k] += v
    return out


def bad(reason):
    return {"rcv_total": 1, reason: 1}


def frames_h0(mac0):
    """(frame, the counters it moves on h0) for each frame sent to h0."""
    Q = {"rcv_total": 1, "rcv_queries": 1, "qry_v3": 1, "qry_general": 1,
         # the answer: one IS_EX record for the group h0 holds
         "snd_reports": 1, "snd_v3_reports": 1}
    f4, f6 = m.frame4, m.frame6
    return [
        (q4("224.0.0.1"), {"igmp": Q}),
        (q4("224.0.0.1", ttl=2), {"igmp": bad("rcv_badttl")}),
        (q4("10.0.0.99", mac=mac0), {"igmp": bad("rcv_baddst")}),
        (f4(m.ipv4(P4, "239.9.9.9", m.igmp_v12(0x16, 0, "239.9.9.9"))),
         {"igmp": {"rcv_total": 1, "rcv_reports": 1}}),
        (f4(m.ipv4(P4, "239.9.9.9", m.igmp_v12(0x16, 0, "239.9.9.9",
                                               bad_csum=True))),
         {"igmp": bad("rcv_badsum")}),
        (f4(m.ipv4(P4, "224.0.0.1", m.igmp_msg(b"\x11\x00\x00\x00"))),
         {"igmp": bad("rcv_tooshort")}),
        (f4(m.ipv4(P4, G4, m.igmp_v3_query(G4), mf=True, ident=7)),
         {"igmp": bad("rcv_fragments")}),
        (f4(m.ipv4(P4, "224.0.0.1", m.igmp_v12(0x13, 0, "0.0.0.0"))),
         {"igmp": bad("rcv_unknown")}),
        (q6(), {"mld": Q}),
        (q6(hlim=2), {"mld": bad("rcv_badhoplimit")}),
        (q6(src="2001:db8::5"), {"mld": bad("rcv_badsrc")}),
        (q6(hbh=m.HBH_PAD), {"mld": bad("rcv_nora")}),
        (f6(m.ipv6(P_LL, G6, 58, m.mld_v1(P_LL, G6, 131, G6,
                                          bad_csum=True))),
         {"mld": bad("rcv_badsum")}),
    ]


def add(a, b):
    out = {p: dict(v) for p, v in a.items()}
    for p, cs in b.items():
        for k, v in cs.items():
            out.setdefault(p, {})[k] = out.get(p, {}).get(k, 0) + v
    return out


def expect(before, after, exp, what):
    """Device or namespace counters moved by exactly exp."""
    m.expect_delta(before, after, exp, what)
    m.check_invariant(after, what)


def counting(g, idx):
    side0 = m.Capture("p0", PEER)
    side1 = m.Capture("p1", PEER)
    try:
        step("frames to h0: h0 and the namespace move by the same deltas, "
             "h1 does not")
        d0, c0 = snapshot(g)
        exp = {}
        for frame, moves in frames_h0(m.link_mac("h0", NS)):
            side0.send(frame)
            exp = add(exp, moves)
        time.sleep(QUIET)
        d1, c1 = snapshot(g)
        expect(d0["h0"], d1["h0"], exp, "h0's counters")
        expect(d0["h1"], d1["h1"], {}, "h1's counters")
        expect(d0["lo"], d1["lo"], {}, "lo's counters")
        expect(c0, c1, exp, "the namespace's counters")
        eq(total(d1), c1, "the devices' counters added up vs the namespace's")

        step("a query to h1 moves h1 only")
        side1.send(q4("224.0.0.1", src=P14))
        time.sleep(QUIET)
        d2, c2 = snapshot(g)
        Q = {"igmp": {"rcv_total": 1, "rcv_queries": 1, "qry_v3": 1,
                      "qry_general": 1, "snd_reports": 1,
                      "snd_v3_reports": 1}}
        expect(d1["h1"], d2["h1"], Q, "h1's counters")
        expect(d1["h0"], d2["h0"], {}, "h0's counters")
        expect(c1, c2, Q, "the namespace's counters")
        eq(total(d2), c2, "the devices' counters added up vs the namespace's")
    finally:
        side0.close()
        side1.close()


def genl(g, idx):
    step("GET_STATS: one message per device, the IFINDEX filter")
    _, dump = dev_stats(g)
    eq([(d["ifindex"], d["ifname"]) for d in dump],
       sorted((i, n) for n, i in idx.items()), "GET_STATS dump")
    for n in ("h1", "lo"):
        (one,) = m.genl_stats(g, NS, idx[n])
        eq((one["ifindex"], one["ifname"]), (idx[n], n),
           "GET_STATS with IFINDEX %s" % n)
    eq(g.dump(m.MCHOST_CMD_GET_STATS, m.nla_u32(m.A_IFINDEX, 99999)), [],
       "GET_STATS of an unknown ifindex")
    eq(g.dump(m.MCHOST_CMD_GET_IFACE, m.nla_u32(m.A_IFINDEX, 99999)), [],
       "GET_IFACE of an unknown ifindex (the same)")
    err, msg = g.do(m.MCHOST_CMD_GET_STATS)
    eq(err, -95, "GET_STATS as a do request: EOPNOTSUPP (%s)" % msg)


def cli(g, idx):
    step("stats dev DEV: the lines of stats, -j with ifname and ifindex")
    for _ in range(10):
        (d,) = m.genl_stats(g, NS, idx["h0"])
        text = ctl("stats dev h0", ns=NS).stdout.splitlines()
        js = m.ctl_json("stats dev h0", ns=NS)
        unpriv = m.ctl_json("stats dev h0", ns=NS, pre=UNPRIV)
        if m.genl_stats(g, NS, idx["h0"]) == [d]:
            break
    eq(text, ["%s %s %d" % (p, k, v) for p in ("igmp", "mld")
              for k, v in d[p].items()], "`mchostctl stats dev h0`")
    eq(js, d, "`mchostctl -j stats dev h0`")
    eq(list(js), ["ifname", "ifindex", "igmp", "mld"], "its keys, in order")
    eq(unpriv, d, "`mchostctl -j stats dev h0` as uid 65534")
    check(d["igmp"]["rcv_queries"] > 0 and d["mld"]["rcv_queries"] > 0,
          "h0 counted queries: %r" % d)
    m.ctl_error("stats dev nosuch0", ns=NS, msg="unknown device nosuch0")
    # Without dev: the namespace's, from /proc, as before.
    m.check_stats_cli(NS)


def test():
    m.fresh_module()
    m.netns_add(NS)
    m.netns_add(PEER)
    m.veth("h0", NS, "p0", PEER, up=False)
    m.veth("h1", NS, "p1", PEER, up=False)
    m.quiet_host(NS, "h0", H4, H_LL)
    m.quiet_host(NS, "h1", H14, None)
    m.quiet_host(PEER, "p0", None, None)
    m.quiet_host(PEER, "p1", None, None)
    idx = {n: m.ifindex(n, NS) for n in ("lo", "h0", "h1")}
    ctl("join dev h0 group %s" % G4, ns=NS)
    ctl("join dev h0 group %s" % G6, ns=NS)
    ctl("join dev h1 group %s" % G4, ns=NS)
    time.sleep(3)       # the joins' own reports are done
    g = m.Genl(ns=NS)
    try:
        counting(g, idx)
        genl(g, idx)
        cli(g, idx)
    finally:
        g.close()
    m.netns_del(NS)
    m.netns_del(PEER)
    m.rmmod()


if __name__ == "__main__":
    m.main(test)
