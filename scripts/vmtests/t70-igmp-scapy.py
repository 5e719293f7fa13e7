#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t70-igmp-scapy: mchost's IGMP engine against a scapy querier.

mchost runs in netns h (h0, 10.0.0.2); netns p (p0, the veth peer) is the
querier: it sends queries built with scapy (malformed ones with mclib's raw
builders) through an AF_PACKET socket and captures everything h sends with
another one. Every report is parsed from raw bytes; records and source lists
are compared exactly. Module parameters: robustness=3,
unsolicited_report_interval_ms=300, coalesce_ms=20.

  A  unsolicited state-change reports: each join / filter change / leave is
     sent exactly RV (3) times, the first at once, then within (0, URI];
     changes while the previous one is still retransmitted (join + leave,
     leave + join again, two source changes); link-local groups silent
  B  IGMPv3 queries: general (one packet with every group, within MRT),
     Max Resp Code 0 (at once), group-specific (nothing for groups not
     held, link-local or all-hosts), group-and-source-specific (IS_IN of
     the right set, nothing when empty), pending source lists merged, a
     group query winning over a source list, no suppression in v3 mode, a
     general response during a leave's retransmissions, rate limit (8/s)
  C  a v2 query stops pending IGMPv3 retransmissions; v2 joins repeat RV
     times; a v3 query with QRV 1 / QQIC 1, then a v2 query (MRT 1 s): v2
     reports and Leave only, igmp_version 2 for RV*QI+MRT = 2 s, then v3
  D  v2 suppression: another host's v2 report cancels ours, then no Leave
     (and a Leave for a group whose last report was ours)
  E  a v1 query: v1 reports only, a leave sends nothing; a v2 query during
     v1 mode does not change it; v2 until that query's time is over, then v3
  F  30 malformed queries, each counted in its reason and changing nothing;
     then a valid MRC 0 query right after a v2 query (CVE-2012-0207) is
     answered at once
  G  MTU 68 with joins and a general query in progress: every report fits
     and is a valid IGMPv3 report (IS_IN/ALLOW/BLOCK split, IS_EX/TO_EX
     truncated and counted); nothing crashes; MTU 1500 again
  H  a device without an IPv4 address reports from 0.0.0.0; QRV 0 means
     the robustness parameter again; report_link_local=1
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, IS_EX, IS_IN, TO_EX, TO_IN, check, ctl, eq,
                   fail, ip, log, rec, step)

NS, PEER = "h", "p"
H_ADDR, Q_ADDR, OTHER = "10.0.0.2", "10.0.0.1", "10.0.0.3"
ALL_HOSTS = "224.0.0.1"
URI = 0.3          # unsolicited_report_interval_ms=300
RV0 = 3            # robustness=3
SLACK = 0.25       # timer and scheduling slack under TCG (seconds)

S = ["10.8.0.%d" % i for i in range(10)]          # S[1]..S[9]
G1, G2, G3, G4 = "239.3.0.1", "239.3.0.2", "239.3.0.3", "232.3.0.4"
G5, G6, G7, G8 = "239.3.0.5", "239.3.0.6", "239.3.0.7", "239.3.0.8"
G9 = "239.3.0.9"
GL = "224.0.0.251"       # link-local: never reported (report_link_local=0)
GX, GY, GZ = "239.4.0.1", "239.4.0.2", "239.4.0.3"
SX = ["10.7.1.%d" % i for i in range(1, 11)]       # 10 sources
SY = ["10.7.2.%d" % i for i in range(1, 13)]       # 12 sources
SZ = ["10.7.3.%d" % i for i in range(1, 21)]       # 20 sources


class Env:
    def __init__(self):
        self.S = m.scapy_layers()
        self.cap = m.IgmpCapture("p0", PEER)
        self.tx = m.L2Sender("p0", PEER)
        self.mac = m.link_mac("p0", PEER)
        self.idx = m.ifindex("h0", NS)
        self.state = {}          # group -> (mode, sources): what h holds

    # ------------------------------------------------------- sending
    def send(self, ip_bytes, src_mac=None):
        t = time.monotonic()
        self.tx.send(m.frame4(ip_bytes, src_mac or self.mac))
        return t

    def q3(self, group="0.0.0.0", sources=(), mrc=10, qrv=2, qqic=125,
           dst=None, build=False):
        """An IGMPv3 query built by scapy; returns the send time (or with
        build=True the IP packet, unsent)."""
        S = self.S
        dst = dst or (ALL_HOSTS if group == "0.0.0.0" else group)
        p = S["IP"](src=Q_ADDR, dst=dst, ttl=1, tos=0xc0,
                    options=[S["IPOption_Router_Alert"]()]) / \
            S["IGMPv3"](type=0x11, mrcode=mrc) / \
            S["IGMPv3mq"](gaddr=group, qrv=qrv, qqic=qqic,
                          srcaddrs=list(sources))
        return bytes(p) if build else self.send(bytes(p))

    def q12(self, code, group="0.0.0.0", dst=None, build=False):
        """An 8-byte IGMPv1 (code 0) / IGMPv2 query, built by scapy."""
        S = self.S
        dst = dst or (ALL_HOSTS if group == "0.0.0.0" else group)
        p = S["IP"](src=Q_ADDR, dst=dst, ttl=1, tos=0xc0,
                    options=[S["IPOption_Router_Alert"]()]) / \
            S["IGMP"](type=0x11, mrcode=code, gaddr=group)
        b = bytes(p)
        check(len(b) == 24 + 8, "scapy IGMP query is not 8 bytes: %s" %
              b.hex())
        return b if build else self.send(b)

    def other_v2_report(self, group):
        """Another host's IGMPv2 report for group (suppresses ours)."""
        S = self.S
        p = S["IP"](src=OTHER, dst=group, ttl=1, tos=0xc0,
                    options=[S["IPOption_Router_Alert"]()]) / \
            S["IGMP"](type=0x16, mrcode=0, gaddr=group)
        return self.send(bytes(p), src_mac="02:00:00:00:00:03")

    # ------------------------------------------------------- state
    def join(self, group, mode=None, sources=()):
        mode = mode or ("include" if sources else "exclude")
        ctl(m.join_args("h0", group, mode, sources), ns=NS)
        self.state[group] = (mode, tuple(m.sort_sources(sources)))

    def leave(self, group):
        ctl(["leave", "dev", "h0", "group", group], ns=NS)
        del self.state[group]

    def current(self, groups=None):
        """The current-state records of a general response (sorted)."""
        out = []
        for g, (mode, srcs) in self.state.items():
            if g.startswith("224.0.0.") or (groups and g not in groups):
                continue
            out.append(rec(IS_IN if mode == "include" else IS_EX, g, srcs))
        return sorted(out)

    def check_members(self, what):
        exp = [m.Member("h0", g, md, s, ifindex=self.idx)
               for g, (md, s) in self.state.items()]
        m.expect_members(exp, ns=NS, what=what, do_json=False)

    # ------------------------------------------------------- capture
    def pkts(self, since, until=None):
        ps = self.cap.get(since, until)
        for p in ps:
            m.check_report_ip(p, H_ADDR, "packet from h")
        return ps

    def quiet(self, since, until, what):
        ps = self.cap.get(since, until)
        eq(ps, [], "%s: packets sent by h" % what)


def igmp_version():
    for ln in m.proc_interfaces(NS):
        t = ln.split()
        if t[0] == "h0":
            return int(t[4])
    fail("h0 missing from %s/interfaces" % m.PROC)


def kinds(pkts):
    return sorted(p.kind() for p in pkts)


def ctr():
    return m.counters(NS)["igmp"]


def cdelta(before, names=None):
    now = ctr()
    d = {k: now[k] - before[k] for k in now}
    return {k: d[k] for k in names} if names else d


SND = ("snd_reports", "snd_v1_reports", "snd_v2_reports", "snd_leaves",
       "snd_v3_reports", "snd_errors")


def snd_expect(pkts, errors=0):
    """The snd_* counter changes that the captured packets imply."""
    k = [p.kind() for p in pkts]
    return {"snd_reports": len(pkts), "snd_v1_reports": k.count("v1"),
            "snd_v2_reports": k.count("v2"), "snd_leaves": k.count("leave"),
            "snd_v3_reports": k.count("v3"), "snd_errors": errors}


def mrc_seconds(code):
    """Max Resp Code -> seconds (RFC 9776 §4.1.1)."""
    if code < 128:
        return code / 10.0
    return (((code & 0xf) | 0x10) << (((code >> 4) & 7) + 3)) / 10.0


# ---------------------------------------------------------------- A

def unsolicited(e, action, exp_recs, what, rv=RV0, uri=URI):
    """Run action(); exactly rv v3 reports follow, each with exactly the
    records exp_recs, the first at once and each next within (0, uri]."""
    c0 = ctr()
    t0 = time.monotonic()
    action()
    t1 = time.monotonic()
    if rv:
        e.cap.wait(lambda ps: len(ps) >= rv, 1 + rv * (uri + SLACK),
                   "%s: %d reports" % (what, rv), since=t0)
    # Anything beyond rv would come within another URI.
    time.sleep(uri + SLACK + 0.1)
    t2 = time.monotonic()
    ps = e.pkts(t0, t2)
    eq(len(ps), rv, "%s: number of reports sent (RV=%d): %r" %
       (what, rv, ps))
    for i, p in enumerate(ps):
        eq(p.type, 0x22, "%s: report %d type (IGMPv3): %r" % (what, i, p))
        eq(sorted(m.norm_rec(r) for r in p.records), sorted(exp_recs),
           "%s: records of report %d of %d" % (what, i + 1, rv))
    if ps:
        check(ps[0].t - t1 <= SLACK,
              "%s: the first report came %.3fs after the command returned "
              "(must be at once)" % (what, ps[0].t - t1))
    gaps = [round(b.t - a.t, 3) for a, b in zip(ps, ps[1:])]
    for g in gaps:
        check(0 < g <= uri + SLACK, "%s: retransmission gaps %s s must be in "
              "(0, URI=%.1f] (+%.2f slack)" % (what, gaps, uri, SLACK))
    eq(cdelta(c0, SND), snd_expect(ps), "%s: snd_* counters" % what)
    log("%s: %d reports, gaps %s" % (what, len(ps), gaps))


def pending_changes(e):
    """Changes while the previous change is still being retransmitted
    (RFC 9776 §5.1): the new state's records go out RV times, what they
    supersede is not sent any more."""
    c0 = ctr()
    t0 = time.monotonic()
    e.join(G6)
    t1 = time.monotonic()
    e.leave(G6)
    t2 = time.monotonic()
    e.cap.wait(lambda ps: len([p for p in ps if p.records and
                               p.records[0][0] == TO_IN]) >= RV0,
               1 + RV0 * (URI + SLACK), "%d TO_IN reports" % RV0, since=t0)
    time.sleep(URI + SLACK + 0.1)
    ps = e.pkts(t0)
    recs = [[m.norm_rec(r) for r in p.records] for p in ps]
    log("join + leave of G6 at once: %r" % ps)
    n_ex = len([r for r in recs if r == [rec(TO_EX, G6)]])
    eq(recs, [[rec(TO_EX, G6)]] * n_ex + [[rec(TO_IN, G6)]] * RV0,
       "join G6 (ASM) and leave it at once: TO_EX{} until the leave, then "
       "exactly RV TO_IN{}, and no TO_EX after the first TO_IN")
    check(n_ex >= 1 and all(p.t < t2 for p in ps[:n_ex]),
          "the TO_EX reports must precede the leave: %r" % ps)
    eq(cdelta(c0, SND), snd_expect(ps), "snd_* counters (G6 join + leave)")

    t0 = time.monotonic()
    e.join(G6, "include", [S[1]])
    t1 = time.monotonic()
    e.join(G6, "include", [S[1], S[2]])
    t2 = time.monotonic()
    time.sleep(RV0 * (URI + SLACK) + 0.3)
    ps = e.pkts(t0)
    log("G6 INCLUDE{S1} then INCLUDE{S1,S2} at once (commands at %.3f, "
        "%.3f-%.3f): %r" % (t0, t1, t2, ps))
    srcs = [s for p in ps for r in p.records for s in r[2]]
    eq(sorted({r[:2] for p in ps for r in p.records}), [(ALLOW, G6)],
       "records of join INCLUDE{S1} + change to INCLUDE{S1,S2}: ALLOW only")
    eq(srcs.count(S[2]), RV0, "S2 (added by the change) sent RV times")
    check(srcs.count(S[1]) >= RV0, "S1 sent fewer than RV times: %r" % ps)
    check(all(S[2] in [s for r in p.records for s in r[2]]
              for p in ps if p.t >= t2),
          "every report after the change must carry S2: %r" % ps)
    e.leave(G6)
    time.sleep(RV0 * (URI + SLACK) + 0.3)

    # A group joined again while its leave is still being retransmitted.
    e.join(G6)
    time.sleep(RV0 * (URI + SLACK) + 0.3)
    c0 = ctr()
    t0 = time.monotonic()
    e.leave(G6)
    t1 = time.monotonic()
    e.join(G6)
    t2 = time.monotonic()
    time.sleep(RV0 * (URI + SLACK) + 0.3)
    ps = e.pkts(t0)
    log("leave G6 and join it again at once (commands at %.3f, %.3f-%.3f):"
        " %r" % (t0, t1, t2, ps))
    recs = [[m.norm_rec(r) for r in p.records] for p in ps]
    n_in = len([r for r in recs if r == [rec(TO_IN, G6)]])
    eq(recs, [[rec(TO_IN, G6)]] * n_in + [[rec(TO_EX, G6)]] * RV0,
       "leave G6 (ASM) and join it again at once: TO_IN{} until the join, "
       "then exactly RV TO_EX{}, and no TO_IN after the first TO_EX")
    check(n_in >= 1 and all(p.t < t2 for p in ps[:n_in]),
          "the TO_IN reports must precede the join: %r" % ps)
    eq(cdelta(c0, SND), snd_expect(ps), "snd_* counters (G6 leave + join)")
    e.check_members("after G6 was joined again during its leave")
    st = m.proc_iface_state("h0", NS) if hasattr(m, "proc_iface_state") \
        else None
    if st is not None:
        eq(st["groups4"], len(e.state), "groups4 of h0 in interfaces")
    check(m.mcast_mac(G6) in m.maddr_links("h0", NS),
          "G6's link-layer address must be on h0 again")
    unsolicited(e, lambda: e.leave(G6), [rec(TO_IN, G6)], "leave G6 again")


def phase_a(e):
    step("A: unsolicited reports, RV=%d, URI=%.1fs" % (RV0, URI))
    unsolicited(e, lambda: e.join(G1, "include", [S[1], S[2]]),
                [rec(ALLOW, G1, [S[1], S[2]])], "join G1 INCLUDE{S1,S2}")
    unsolicited(e, lambda: e.join(G2), [rec(TO_EX, G2)], "join G2 (ASM)")
    unsolicited(e, lambda: e.join(G3, "exclude", [S[3]]),
                [rec(TO_EX, G3, [S[3]])], "join G3 EXCLUDE{S3}")
    unsolicited(e, lambda: e.join(G1, "include", [S[2], S[4]]),
                [rec(ALLOW, G1, [S[4]]), rec(BLOCK, G1, [S[1]])],
                "G1 INCLUDE{S1,S2} -> INCLUDE{S2,S4}")
    unsolicited(e, lambda: e.join(G3, "exclude", [S[3], S[5]]),
                [rec(BLOCK, G3, [S[5]])], "G3 EXCLUDE{S3} -> EXCLUDE{S3,S5}")
    unsolicited(e, lambda: e.join(G5, "include", [S[7]]),
                [rec(ALLOW, G5, [S[7]])], "join G5 INCLUDE{S7}")
    unsolicited(e, lambda: e.join(G5, "exclude", [S[8]]),
                [rec(TO_EX, G5, [S[8]])], "G5 INCLUDE{S7} -> EXCLUDE{S8}")
    unsolicited(e, lambda: e.join(G5, "exclude", [S[9]]),
                [rec(ALLOW, G5, [S[8]]), rec(BLOCK, G5, [S[9]])],
                "G5 EXCLUDE{S8} -> EXCLUDE{S9}")
    unsolicited(e, lambda: e.join(G5, "include", [S[7], S[9]]),
                [rec(TO_IN, G5, [S[7], S[9]])],
                "G5 EXCLUDE{S9} -> INCLUDE{S7,S9}")
    unsolicited(e, lambda: e.leave(G5), [rec(BLOCK, G5, [S[7], S[9]])],
                "leave G5 (INCLUDE{S7,S9})")
    unsolicited(e, lambda: e.join(G6), [rec(TO_EX, G6)], "join G6 (ASM)")
    unsolicited(e, lambda: e.leave(G6), [rec(TO_IN, G6)],
                "leave G6 (EXCLUDE{})")
    pending_changes(e)
    unsolicited(e, lambda: e.join(GL), [], "join %s (link-local)" % GL,
                rv=0)
    unsolicited(e, lambda: e.join(G4, "include", [S[6]]),
                [rec(ALLOW, G4, [S[6]])], "join G4 INCLUDE{S6}")
    e.check_members("after phase A")


# ---------------------------------------------------------------- B

def general(e, mrc, what, exp=None, qrv=2, qqic=125, wait=None):
    """A v3 general query; exactly one report with exactly the current
    state of every group, within the Max Resp Time. Returns its time."""
    exp = e.current() if exp is None else exp
    mrt = mrc_seconds(mrc)
    c0 = ctr()
    t0 = e.q3(mrc=mrc, qrv=qrv, qqic=qqic)
    e.cap.wait(lambda ps: ps, mrt + 1.0, "%s: the response" % what,
               since=t0)
    time.sleep(wait if wait is not None else 0.3)
    ps = e.pkts(t0)
    eq(len(ps), 1, "%s: number of packets in the response: %r" % (what, ps))
    p = ps[0]
    eq(p.type, 0x22, "%s: response type" % what)
    eq(sorted(m.norm_rec(r) for r in p.records), exp,
       "%s: records of the response (one per group, current state)" % what)
    check(p.t - t0 <= mrt + SLACK, "%s: response after %.3fs, Max Resp Time "
          "%.1fs" % (what, p.t - t0, mrt))
    d = cdelta(c0)
    eq({k: d[k] for k in ("qry_v3", "qry_general", "rcv_queries") + SND},
       dict({"qry_v3": 1, "qry_general": 1, "rcv_queries": 1},
            **snd_expect(ps)), "%s: counters" % what)
    log("%s: one report with %d records after %.3fs" %
        (what, len(p.records), p.t - t0))
    return p.t - t0


def collect(e, action, exp_recs, what, window):
    """Run action() (which sends queries); within window s exactly the
    records exp_recs arrive (any packets), all IGMPv3."""
    t0 = time.monotonic()
    action()
    time.sleep(window)
    ps = e.pkts(t0)
    for p in ps:
        eq(p.type, 0x22, "%s: type of %r" % (what, p))
    eq(sorted(m.v3_records(ps)), sorted(exp_recs), "%s: records" % what)
    return ps


def phase_b(e):
    step("B: IGMPv3 queries")
    general(e, 10, "general query (MRC 10 = 1s)")
    dt = general(e, 0, "general query with Max Resp Code 0", wait=0.5)
    check(dt <= 0.2, "MRC 0: response after %.3fs, must be at once" % dt)

    c0 = ctr()
    collect(e, lambda: (e.q3(G3), e.q3(G1)),
            [rec(IS_EX, G3, [S[3], S[5]]), rec(IS_IN, G1, [S[2], S[4]])],
            "group-specific queries for G3 and G1", 1.5)
    collect(e, lambda: (e.q3(G9), e.q3(GL), e.q3(ALL_HOSTS)), [],
            "group-specific queries for a group not held, a link-local one "
            "and all-hosts (224.0.0.1 is never reported)", 1.3)
    eq(cdelta(c0, ["qry_group", "qry_group_source", "qry_general"]),
       {"qry_group": 5, "qry_group_source": 0, "qry_general": 0},
       "query counters after 5 group-specific queries")

    c0 = ctr()
    collect(e, lambda: (e.q3(G3), e.other_v2_report(G3)),
            [rec(IS_EX, G3, [S[3], S[5]])],
            "a group query for G3, then another host's v2 report for G3: "
            "no suppression in IGMPv3 mode", 1.5)
    eq(cdelta(c0, ["snd_suppressed", "rcv_ourreports", "rcv_reports"]),
       {"snd_suppressed": 0, "rcv_ourreports": 1, "rcv_reports": 1},
       "counters after another host's v2 report in v3 mode")
    eq(igmp_version(), 3, "igmp_version after a v2 report (not a query)")

    # RV is 2 now (QRV 2 of the queries above).
    e.join(G8, "include", [S[1]])
    time.sleep(2 * (URI + SLACK) + 0.2)
    t0 = time.monotonic()
    e.leave(G8)
    e.q3(mrc=0)
    time.sleep(URI + SLACK + 0.3)
    ps = e.pkts(t0)
    eq(sorted(m.v3_records(ps)),
       sorted([rec(BLOCK, G8, [S[1]])] * 2 + e.current()),
       "a general query (MRC 0) while the leave of G8 INCLUDE{S1} is "
       "retransmitted: BLOCK{S1} RV=2 times, and a response without G8")

    c0 = ctr()
    collect(e, lambda: (e.q3(G1, [S[2], S[9]]), e.q3(G3, [S[3], S[7]]),
                        e.q3(G4, [S[9]]), e.q3(G2, [S[1]])),
            [rec(IS_IN, G1, [S[2]]), rec(IS_IN, G3, [S[7]]),
             rec(IS_IN, G2, [S[1]])],
            "group-and-source queries: G1 INCLUDE{S2,S4} asked {S2,S9}, "
            "G3 EXCLUDE{S3,S5} asked {S3,S7}, G4 INCLUDE{S6} asked {S9} "
            "(nothing), G2 EXCLUDE{} asked {S1}", 1.5)
    eq(cdelta(c0, ["qry_group_source", "qry_ratelimited"]),
       {"qry_group_source": 4, "qry_ratelimited": 0},
       "query counters after 4 group-and-source queries")

    # RFC 9776 §5.2 rule 4: a second source list for a pending response
    # is merged into it; one record answers both.
    for attempt in range(3):
        t0 = e.q3(G1, [S[2]], mrc=20)
        t1 = e.q3(G1, [S[4]], mrc=20)
        time.sleep(2.0 + SLACK + 0.2)
        ps = e.pkts(t0)
        if ps and ps[0].t < t1:
            log("merge check: the first response came before the second "
                "query was sent; again")
            continue
        eq(m.v3_records(ps), [rec(IS_IN, G1, [S[2], S[4]])],
           "two group-and-source queries for G1 ({S2} then {S4}) while the "
           "first is pending: one merged IS_IN record")
        break
    else:
        fail("could not send two queries within a pending response time")

    # Rule 3: a group query and a group-and-source query for one group,
    # in either order: the group's whole state answers both, once.
    for order in ("group query first", "group-and-source query first"):
        fs = [e.q3(G3, mrc=20, build=True),
              e.q3(G3, [S[7]], mrc=20, build=True)]
        if order != "group query first":
            fs.reverse()
        for attempt in range(3):
            t0 = e.send(fs[0])
            t1 = e.send(fs[1])
            time.sleep(2.0 + SLACK + 0.2)
            ps = e.pkts(t0)
            if ps and ps[0].t < t1:
                log("%s: the response came before the second query; again"
                    % order)
                continue
            eq(m.v3_records(ps), [rec(IS_EX, G3, [S[3], S[5]])],
               "a group query and a group-and-source query for G3 {S7} (%s):"
               " one IS_EX record with G3's state" % order)
            break
        else:
            fail("could not send two queries within a pending response time")

    time.sleep(1.1)     # a fresh rate-limit window for G4
    c0 = ctr()
    t0 = time.monotonic()
    frame = e.q3(G4, [S[6]], mrc=20, build=True)
    sent = [e.send(frame) for _ in range(10)]
    time.sleep(2.0 + SLACK + 0.2)
    ps = e.pkts(t0)
    # A response that left during the burst makes a later accepted query
    # (one of the first 8) schedule another one.
    early = [p for p in ps if p.t < sent[7]]
    log("10 queries sent in %.3fs; responses after %s s" %
        (sent[-1] - sent[0], [round(p.t - sent[0], 3) for p in ps]))
    eq(m.v3_records(ps), [rec(IS_IN, G4, [S[6]])] * (1 + len(early)),
       "responses to 10 group-and-source queries for G4 asking {S6}")
    eq(cdelta(c0, ["qry_group_source", "qry_ratelimited", "rcv_queries"]),
       {"qry_group_source": 10, "qry_ratelimited": 2, "rcv_queries": 10},
       "10 group-and-source queries for one group in a burst: the 9th and "
       "10th are rate limited (at most 8 per second)")


# ---------------------------------------------------------------- C

def wait_version(want, timeout, what):
    return m.wait_for(lambda: igmp_version() == want and time.monotonic(),
                      timeout, "%s: igmp_version %d in %s/interfaces" %
                      (what, want, m.PROC), interval=0.02)


def phase_c(e):
    step("C: a v2 query stops pending IGMPv3 retransmissions")
    general(e, 10, "general query with QRV 2, QQIC 1", qrv=2, qqic=1)
    c0 = ctr()
    # A long URI for this join, so that its retransmission is still due
    # when the v2 query comes.
    m.write_param("unsolicited_report_interval_ms", 5000)
    t0 = time.monotonic()
    e.join(G8)             # TO_EX{} at once, once more within URI (RV 2)
    tq = e.q12(10)
    m.write_param("unsolicited_report_interval_ms", int(URI * 1000))
    wait_version(2, 1, "after the v2 query")
    # A join in v2 mode with RV 2: a v2 report at once and once more
    # within URI; its leave: one Leave.
    tj = time.monotonic()
    e.join(G5)
    time.sleep(URI + SLACK + 0.2)
    tl = time.monotonic()
    e.leave(G5)
    t_v3 = wait_version(3, 3 + 1.0, "v2 mode over (RV*QI+MRT = 2*1+1 = 3s)")
    dt = t_v3 - tq
    check(3.0 - 0.05 <= dt <= 3.0 + 0.5,
          "v2 mode must last RV*QI+MRT = 2*1+1 = 3s, lasted %.3fs" % dt)
    ps = e.pkts(t0, t_v3)
    log("join G8 then a v2 query: %r" % ps)
    v3 = [p for p in ps if p.type == 0x22]
    check(v3 and all(p.t < tq + 0.01 for p in v3),
          "IGMPv3 reports after the v2 query (its retransmission must not "
          "be sent in v2 mode): %r" % ps)
    check(all(p.records == [(TO_EX, G8, ())] for p in v3),
          "IGMPv3 reports for the join of G8: %r" % v3)
    if len(v3) == 1:
        log("the retransmission of TO_EX(G8) was due when the v2 query came")
    eq(sorted(p.group for p in ps if p.type == 0x16 and p.group != G5),
       sorted([G1, G2, G3, G4, G8]),
       "v2 reports answering the v2 query: one per group held")
    g5 = [p for p in ps if p.group == G5]
    eq([p.kind() for p in g5], ["v2", "v2", "leave"],
       "G5 joined in v2 mode with RV 2, then left: 2 v2 reports, 1 Leave")
    check(g5[0].t - tj <= SLACK + 0.1 and
          0 < g5[1].t - g5[0].t <= URI + SLACK and g5[2].t >= tl,
          "timing of G5's reports (join at %.3f, leave at %.3f): %r" %
          (tj, tl, g5))
    eq(cdelta(c0, SND), snd_expect(ps), "snd_* counters (G8, v2 query)")
    unsolicited(e, lambda: e.leave(G8), [rec(TO_IN, G8)],
                "leave G8 (EXCLUDE{}) back in v3 mode", rv=2)

    step("C: QRV=1 QQIC=1, then an IGMPv2 query (MRT 1s): v2 mode for 2s")
    general(e, 10, "general query with QRV 1, QQIC 1", qrv=1, qqic=1)
    c0 = ctr()
    tq = e.q12(10)                       # v2 general query, MRT 1 s
    wait_version(2, 1, "after the v2 query")
    # Joins and leaves in v2 mode: v2 report at once (RV 1 = once),
    # a source change of a held group sends nothing, a leave a Leave.
    tj = time.monotonic()
    e.join(G5)
    e.join(G4, "include", [S[6], S[7]])
    time.sleep(0.2)
    tl = time.monotonic()
    e.leave(G5)
    t_v3 = wait_version(3, 2.0 + 1.0, "v2 mode over (RV*QI+MRT = 2s)")
    ps = e.pkts(tq, t_v3)
    dt = t_v3 - tq
    log("v2 mode lasted %.3fs; packets: %r" % (dt, ps))
    check(2.0 - 0.05 <= dt <= 2.0 + 0.5,
          "v2 mode must last RV*QI+MRT = 1*1+1 = 2s, lasted %.3fs" % dt)
    eq([p for p in ps if p.type not in (0x16, 0x17)], [],
       "packets other than v2 reports and leaves during v2 mode")
    resp = [p for p in ps if p.type == 0x16 and p.group != G5]
    eq(sorted(p.group for p in resp), sorted([G1, G2, G3, G4]),
       "v2 reports answering the v2 query: one per group held")
    for p in resp:
        check(p.t - tq <= 1.0 + SLACK, "v2 report for %s %.3fs after the "
              "query (MRT 1s)" % (p.group, p.t - tq))
    g5 = [p for p in ps if p.group == G5]
    eq([p.kind() for p in g5], ["v2", "leave"],
       "G5 joined and left in v2 mode: one v2 report (RV 1), one Leave")
    check(g5[0].t - tj <= 0.3, "G5's v2 report came %.3fs after the join" %
          (g5[0].t - tj))
    check(0 <= g5[1].t - tl <= 0.3, "G5's Leave came %.3fs after the "
          "leave command started" % (g5[1].t - tl))
    eq(g5[1].dst, "224.0.0.2", "Leave destination")
    eq(cdelta(c0, SND + ("qry_v2", "snd_suppressed")),
       dict(snd_expect(ps), qry_v2=1, snd_suppressed=0),
       "counters over the v2 period")

    step("C: back in v3 mode: a join sends IGMPv3 again (RV 1)")
    unsolicited(e, lambda: e.join(G6, "include", [S[1]]),
                [rec(ALLOW, G6, [S[1]])], "join G6 INCLUDE{S1} after v2 mode",
                rv=1)
    unsolicited(e, lambda: e.leave(G6), [rec(BLOCK, G6, [S[1]])],
                "leave G6 after v2 mode", rv=1)
    eq(igmp_version(), 3, "igmp_version after v2 mode")


# ---------------------------------------------------------------- D

def phase_d(e):
    step("D: suppression of our v2 report by another host's (MRT 10s)")
    c0 = ctr()
    for attempt in range(3):
        tq = e.q12(100, G1)              # v2 group-specific query for G1
        ts = e.other_v2_report(G1)
        time.sleep(0.2)
        early = [p for p in e.pkts(tq) if p.group == G1 and p.t < ts]
        if not early:
            break
        log("our report for G1 left before the other host's was sent: again")
        time.sleep(0.5)
    else:
        fail("could not send the other host's report before ours was due")
    # A v2 query for all-hosts: it is never reported (seed defect B5).
    e.q12(100, ALL_HOSTS)
    eq(igmp_version(), 2, "igmp_version after the v2 query")
    d = cdelta(c0, ["snd_suppressed", "rcv_ourreports"])
    eq(d, {"snd_suppressed": 1, "rcv_ourreports": 1 + attempt},
       "another host's v2 report for G1 while ours is pending")
    # Ask for the others too (group-specific v2 queries).
    tg = time.monotonic()
    for g in (G2, G3, G4):
        e.q12(100, g)
    # A leave of G1 now: we did not send the last report, so no Leave.
    e.leave(G1)
    # Wait for the others (random delays within 10 s).
    e.cap.wait(lambda ps: {p.group for p in ps if p.type == 0x16} >=
               {G2, G3, G4}, 10 + 1.0, "v2 reports for G2, G3, G4",
               since=tg)
    # G2's report was ours: its leave sends a Leave.
    tl = time.monotonic()
    e.leave(G2)
    e.cap.wait(lambda ps: [p for p in ps if p.type == 0x17], 1.0,
               "the Leave for G2", since=tl)
    time.sleep(0.2)
    ps = e.pkts(tq)
    eq(sorted((p.kind(), p.group) for p in ps),
       sorted([("v2", G2), ("v2", G3), ("v2", G4), ("leave", G2)]),
       "packets after the v2 queries: no report and no Leave for G1 (the "
       "other host reported it), G2/G3/G4 reported, a Leave for G2")
    eq(cdelta(c0, SND + ("snd_suppressed",)),
       dict(snd_expect(ps), snd_suppressed=1),
       "snd_* counters after the suppression")
    e.join(G1, "include", [S[2], S[4]])      # a v2 report, RV 1
    e.join(G2)
    t_v3 = wait_version(3, 12, "end of v2 mode")
    time.sleep(0.1)
    ps = [p for p in e.pkts(tl) if p.t < t_v3]
    eq(sorted((p.kind(), p.group) for p in ps),
       sorted([("leave", G2), ("v2", G1), ("v2", G2)]),
       "G1 and G2 joined again in v2 mode: a v2 report each")


# ---------------------------------------------------------------- E

def phase_e(e):
    step("E: an IGMPv1 query: v1 mode for RV*QI+10s = 11s, even with a v2 "
         "query 1s later (v1 wins; then v2 until that one's time is over)")
    c0 = ctr()
    tq = e.q12(0)
    wait_version(1, 1, "after the v1 query")
    tj = time.monotonic()
    e.join(G7)
    time.sleep(0.3)
    e.leave(G7)
    held = [g for g in e.state if not g.startswith("224.0.0.")]
    time.sleep(max(0.0, tq + 1.0 - time.monotonic()))
    tq2 = e.q12(100)                    # v2 querier present until tq2 + 11
    time.sleep(0.1)
    eq(igmp_version(), 1, "igmp_version after a v2 query in v1 mode")
    e.cap.wait(lambda ps: {p.group for p in ps if p.type == 0x12} >=
               set(held), 10 + 1.0, "v1 reports for %s" % held, since=tq)
    t_v2 = wait_version(2, 13, "end of v1 mode (a v2 querier is present)")
    t_v3 = wait_version(3, max(0.5, tq2 + 11 + 1.0 - time.monotonic()),
                        "end of the v2 querier present time")
    log("v1 mode for %.3fs, then v2 mode until %.3fs after the v2 query "
        "(sent %.3fs after the v1 query)" % (t_v2 - tq, t_v3 - tq2, tq2 - tq))
    check(11 - 0.05 <= t_v2 - tq <= 11 + 0.5, "v1 mode must last RV*QI+10s "
          "= 11s, lasted %.3fs" % (t_v2 - tq))
    check(11 - 0.05 <= t_v3 - tq2 <= 11 + 0.5, "v2 mode must end "
          "RV*QI+MRT = 11s after the v2 query, ended after %.3fs" %
          (t_v3 - tq2))
    ps1 = e.pkts(tq, t_v2)
    ps2 = e.pkts(t_v2, t_v3)
    eq(sorted({p.kind() for p in ps1}), ["v1"],
       "kinds of packets in v1 mode (v1 reports only, no Leave)")
    n = {g: len([p for p in ps1 if p.group == g]) for g in held + [G7]}
    eq({g: (1 if g == G7 else min(k, 2)) for g, k in n.items()}, n,
       "v1 reports per group in v1 mode: G7 once (its join; its leave "
       "sends nothing), every other group once or twice (the v1 query and "
       "the v2 query)")
    check(all(n[g] >= 1 for g in held), "a group was not reported: %s" % n)
    g7 = [p for p in ps1 if p.group == G7]
    check(g7[0].t - tj <= 0.3, "G7's v1 report %.3fs after the join" %
          (g7[0].t - tj))
    check(all(p.kind() == "v2" for p in ps2),
          "packets in v2 mode after v1 mode: %r" % ps2)
    eq(cdelta(c0, SND + ("qry_v1", "qry_v2")),
       dict(snd_expect(ps1 + ps2), qry_v1=1, qry_v2=1),
       "counters over the v1 period")


# ---------------------------------------------------------------- F

def raw_q(payload, dst=ALL_HOSTS, **kw):
    return m.ipv4(Q_ADDR, dst, payload, **kw)


def malformed_list():
    v3 = m.igmp_v3_query(mrc=10)
    g1q = m.igmp_v3_query(G1, [S[2], S[4]], mrc=10)

    def sized(n, group="0.0.0.0"):
        return m.igmp_msg(m.igmp_v12(0x11, 10, group) + b"\0" * (n - 8))
    return [
        ("no IGMP payload", raw_q(b""), "rcv_tooshort"),
        ("1-byte IGMP", raw_q(b"\x11"), "rcv_tooshort"),
        ("4 bytes of a v3 query", raw_q(v3[:4]), "rcv_tooshort"),
        ("7 bytes of a v3 query", raw_q(v3[:7]), "rcv_tooshort"),
        ("v3 general query, bad checksum",
         raw_q(m.igmp_v3_query(mrc=10, bad_csum=True)), "rcv_badsum"),
        ("v3 query with MRC 0, bad checksum",
         raw_q(m.igmp_v3_query(mrc=0, bad_csum=True)), "rcv_badsum"),
        ("v2 general query, bad checksum",
         raw_q(m.igmp_v12(0x11, 10, "0.0.0.0", bad_csum=True)),
         "rcv_badsum"),
        ("v1 query, bad checksum",
         raw_q(m.igmp_v12(0x11, 0, "0.0.0.0", bad_csum=True)), "rcv_badsum"),
        ("v2 query for G2, bad checksum",
         raw_q(m.igmp_v12(0x11, 10, G2, bad_csum=True), G2), "rcv_badsum"),
        ("v3 group-and-source query for G1, bad checksum",
         raw_q(m.igmp_v3_query(G1, [S[2]], mrc=10, bad_csum=True), G1),
         "rcv_badsum"),
        ("9-byte query", raw_q(sized(9)), "rcv_badqueries"),
        ("10-byte query", raw_q(sized(10)), "rcv_badqueries"),
        ("11-byte query", raw_q(sized(11)), "rcv_badqueries"),
        ("11-byte query for G1", raw_q(sized(11, G1), G1), "rcv_badqueries"),
        ("v3 query, 1 source announced, none present",
         raw_q(m.igmp_v3_query(G1, [], mrc=10, nsrc=1), G1),
         "rcv_badqueries"),
        ("v3 query, 3 sources announced, 2 present",
         raw_q(m.igmp_v3_query(G1, [S[2], S[4]], mrc=10, nsrc=3), G1),
         "rcv_badqueries"),
        ("v3 query, 65535 sources announced, 2 present",
         raw_q(m.igmp_v3_query(G1, [S[2], S[4]], mrc=10, nsrc=65535), G1),
         "rcv_badqueries"),
        ("v3 query, 3 sources announced, 2 and a half present",
         raw_q(m.igmp_msg(m.igmp_v3_query(G1, [S[2], S[4], S[6]], mrc=10)
                          [:-2]), G1), "rcv_badqueries"),
        ("v3 general query carrying a source",
         raw_q(m.igmp_v3_query("0.0.0.0", [S[2]], mrc=10)),
         "rcv_badqueries"),
        ("v1 query naming a group (G2)",
         raw_q(m.igmp_v12(0x11, 0, G2), G2), "rcv_badqueries"),
        ("v1 query naming a group not held, to all-hosts",
         raw_q(m.igmp_v12(0x11, 0, G9)), "rcv_badqueries"),
        ("v2 query for a unicast group",
         raw_q(m.igmp_v12(0x11, 10, "10.1.2.3")), "rcv_badqueries"),
        ("v3 query for a unicast group",
         raw_q(m.igmp_v3_query("10.1.2.3", mrc=10)), "rcv_badqueries"),
        ("v3 group-and-source query for a unicast group",
         raw_q(m.igmp_v3_query("10.1.2.3", [S[2]], mrc=10)),
         "rcv_badqueries"),
        ("v2 query for 255.255.255.255",
         raw_q(m.igmp_v12(0x11, 10, "255.255.255.255")), "rcv_badqueries"),
        ("v3 query for class E 240.0.0.1",
         raw_q(m.igmp_v3_query("240.0.0.1", mrc=10)), "rcv_badqueries"),
        ("v3 general query in a first fragment (MF)",
         raw_q(v3, mf=True, ident=71), "rcv_fragments"),
        ("v1 query in a first fragment (MF)",
         raw_q(m.igmp_v12(0x11, 0, "0.0.0.0"), mf=True, ident=72),
         "rcv_fragments"),
        ("v2 query as a last fragment (offset 8)",
         raw_q(m.igmp_v12(0x11, 10, "0.0.0.0"), frag_off=8, ident=73),
         "rcv_fragments"),
        ("v3 group-and-source query for G1 in a first fragment",
         raw_q(g1q, G1, mf=True, ident=74), "rcv_fragments"),
    ]


RCV_ALL = ("rcv_total", "rcv_tooshort", "rcv_badsum", "rcv_queries",
           "rcv_badqueries", "rcv_reports", "rcv_badreports",
           "rcv_ourreports", "rcv_fragments", "rcv_nomem", "rcv_unknown",
           "rcv_badhoplimit", "rcv_badsrc", "rcv_nora")


def phase_f(e):
    bad = malformed_list()
    eq(len(bad), 30, "number of malformed queries")
    step("F: %d malformed queries: counted, and nothing changes" % len(bad))
    show0 = m.show_lines(NS)
    ifaces0 = m.proc_interfaces(NS)
    t0 = time.monotonic()
    for what, pkt, reason in bad:
        c0 = ctr()
        e.send(pkt)
        m.wait_for(lambda: ctr()["rcv_total"] > c0["rcv_total"], 3,
                   "%s to be counted" % what, interval=0.01)
        time.sleep(0.02)
        d = cdelta(c0)
        want = {k: 0 for k in d}
        want["rcv_total"] = 1
        want[reason] = 1
        eq(d, want, "counter changes for the malformed query: %s" % what)
        eq(igmp_version(), 3, "igmp_version after: %s" % what)
    # A malformed query taken as valid would be answered within 1 s.
    time.sleep(1.0 + SLACK)
    e.quiet(t0, None, "after the malformed queries")
    eq(m.show_lines(NS), show0, "mchostctl show after the malformed queries")
    eq(m.proc_interfaces(NS), ifaces0,
       "%s/interfaces after the malformed queries" % m.PROC)
    m.check_invariant(m.counters(NS), "after the malformed queries")

    step("F: a v2 query, then a v3 query with Max Resp Code 0 "
         "(CVE-2012-0207): valid, answered at once with v2 reports")
    c0 = ctr()
    f2 = e.q12(10, build=True)
    f3 = e.q3(mrc=0, qrv=1, qqic=1, build=True)
    tq = e.send(f2)
    t0 = e.send(f3)
    held = sorted(g for g in e.state if not g.startswith("224.0.0."))
    e.cap.wait(lambda ps: {p.group for p in ps} >= set(held), 1.0,
               "v2 reports for %s" % held, since=tq)
    time.sleep(0.3)
    ps = e.pkts(tq)
    late = [p for p in ps if p.t - t0 > 0.3]
    eq(late, [], "v2 reports later than 0.3s after the MRC 0 query")
    # A report that left before the MRC 0 query came answered the v2
    # query; the MRC 0 query then asks that group again.
    early = [p.group for p in ps if p.t < t0]
    eq(sorted((p.kind(), p.group) for p in ps),
       sorted([("v2", g) for g in held + early]),
       "responses to the v2 query + MRC 0 v3 query: one v2 report per "
       "group (two if the first left before the MRC 0 query), no IGMPv3 "
       "report")
    d = cdelta(c0)
    eq({k: d[k] for k in ("rcv_total", "rcv_queries", "qry_v2", "qry_v3",
                          "rcv_badqueries")},
       {"rcv_total": 2, "rcv_queries": 2, "qry_v2": 1, "qry_v3": 1,
        "rcv_badqueries": 0}, "counters of the v2 + MRC 0 queries")
    eq(igmp_version(), 2, "igmp_version after the v2 query")
    wait_version(3, 2 + 1.0, "end of the v2 mode (2s)")
    time.sleep(0.2)
    eq([p for p in e.pkts(tq) if p.t - t0 > 0.3], [],
       "packets after the at-once answer")


# ---------------------------------------------------------------- G

def check_general_68(e, recs, what, gz):
    """The IS_IN/IS_EX records of one general response at MTU 68 (room for
    7 sources in a record alone in a report): whole records for the small
    groups, IS_IN split, IS_EX truncated to the 7 sources that fit."""
    by = {}
    for r in recs:
        if r[0] in (IS_IN, IS_EX):
            by.setdefault(r[1], []).append(r)
    for g in (G1, G2, G3, G4):
        mode, srcs = e.state[g]
        eq(by.get(g), [rec(IS_IN if mode == "include" else IS_EX, g, srcs)],
           "%s: record for %s" % (what, g))
    for g, srcs in ((GX, SX), (GZ, SZ)):
        if g == GZ and gz is None and g not in by:
            continue
        eq({r[0] for r in by.get(g, [])}, {IS_IN},
           "%s: record types for %s" % (what, g))
        eq(sorted(s for r in by.get(g, []) for s in r[2]), sorted(srcs),
           "%s: sources of the IS_IN records for %s (%d sources, split to "
           "fit, each once)" % (what, g, len(srcs)))
    gy = by.get(GY, [])
    eq([(r[0], len(r[2])) for r in gy], [(IS_EX, 7)],
       "%s: IS_EX records for GY (12 sources): one, truncated to the 7 "
       "sources that fit" % what)
    check(set(gy[0][2]) <= set(SY), "%s: unknown sources for GY: %r" %
          (what, gy[0]))
    eq(sorted(by), sorted([G1, G2, G3, G4, GX, GY] + ([GZ] if gz or
                                                      GZ in by else [])),
       "%s: groups in the response" % what)


def phase_g(e):
    step("G: MTU 68 with joins and a general query in progress")
    e.join(GX, "include", SX)
    e.join(GY, "exclude", SY)
    time.sleep(0.5)           # RV 1: one unsolicited report each, done
    before = e.current()
    tw = m.TaintWatch()
    c0 = ctr()
    tq = e.q3(mrc=10, qrv=2, qqic=125)   # RV 2 from now on
    ip("link set h0 mtu 68", ns=NS)
    t_mtu = time.monotonic()
    e.join(GZ, "include", SZ)
    time.sleep(1.0 + URI + SLACK + 0.5)
    ps = e.pkts(tq)
    log("%d packets around the change to MTU 68 (%.3fs after the query)" %
        (len(ps), t_mtu - tq))
    for p in ps:
        eq(p.type, 0x22, "type of %r" % p)
        check(p.iplen <= (1500 if p.t < t_mtu else 68),
              "a report of %d bytes at MTU %d: %r" %
              (p.iplen, 1500 if p.t < t_mtu else 68, p))
    # Unsolicited: ALLOW{SZ} split into records that fit, sent RV=2 times.
    allow = [(p, r) for p in ps for r in p.records if r[:2] == (ALLOW, GZ)]
    eq(sorted(s for p, r in allow for s in r[2]), sorted(SZ * 2),
       "sources of the ALLOW records for GZ (20 sources, split to fit, "
       "each sent RV=2 times)")
    check(all(p.t >= t_mtu - 0.2 and p.iplen <= 68 for p, r in allow),
          "ALLOW GZ reports before the join or larger than 68 bytes")
    gen = [p for p in ps if any(r[0] in (IS_IN, IS_EX) for r in p.records)]
    recs = m.v3_records(gen)
    if gen and all(p.t < t_mtu for p in gen):
        log("the general response left before the MTU change")
        eq(len(gen), 1, "packets of the general response at MTU 1500")
        eq(sorted(recs), before, "the general response at MTU 1500")
    else:
        check_general_68(e, recs, "general response after the MTU change",
                         gz=None)
        eq(cdelta(c0, ["snd_truncated"]), {"snd_truncated": 1},
           "snd_truncated (the IS_EX record for GY)")
    eq({k: v for k, v in cdelta(c0).items() if k in SND}, snd_expect(ps),
       "snd_* counters at MTU 68")

    step("G: a general query at MTU 68")
    c0 = ctr()
    tq = e.q3(mrc=10, qrv=2, qqic=125)
    time.sleep(1.0 + SLACK + 0.4)
    ps = e.pkts(tq)
    log("%d packets for the general response at MTU 68" % len(ps))
    for p in ps:
        check(p.type == 0x22 and p.iplen <= 68, "report at MTU 68: %r" % p)
    check_general_68(e, m.v3_records(ps), "general response at MTU 68",
                     gz=True)
    eq(cdelta(c0, ["snd_truncated"] + list(SND)),
       dict(snd_expect(ps), snd_truncated=1), "counters at MTU 68")
    tw.check("at MTU 68")

    step("G: leaves at MTU 68, then MTU 1500 again")
    t0 = time.monotonic()
    e.leave(GZ)
    e.leave(GY)
    time.sleep(URI + SLACK + 0.3)
    ps = e.pkts(t0)
    for p in ps:
        check(p.iplen <= 68 and p.type == 0x22, "leave report %r" % p)
    recs = m.v3_records(ps)
    eq(sorted(s for r in recs if r[:2] == (BLOCK, GZ) for s in r[2]),
       sorted(SZ * 2), "BLOCK records for GZ (split, RV=2 times)")
    eq([r for r in recs if r[1] == GY], [rec(TO_IN, GY)] * 2,
       "TO_IN{} for GY, RV=2 times")
    c0 = ctr()
    t0 = time.monotonic()
    e.join(GY, "exclude", SY)
    time.sleep(URI + SLACK + 0.3)
    ps = e.pkts(t0)
    recs = m.v3_records(ps)
    eq([(r[0], r[1], len(r[2])) for r in recs], [(TO_EX, GY, 7)] * 2,
       "join GY EXCLUDE{12 sources} at MTU 68: TO_EX truncated to the 7 "
       "sources that fit, RV=2 times: %r" % ps)
    check(all(set(r[2]) <= set(SY) for r in recs), "unknown sources in %r"
          % ps)
    eq(cdelta(c0, ["snd_truncated"]), {"snd_truncated": 2},
       "snd_truncated after 2 truncated TO_EX records")
    unsolicited(e, lambda: e.leave(GY), [rec(TO_IN, GY)],
                "leave GY at MTU 68", rv=2)
    ip("link set h0 mtu 1500", ns=NS)
    time.sleep(0.1)
    general(e, 10, "general query at MTU 1500 again")
    tw.check("after MTU 68")


def phase_h(e):
    step("H: a device without an IPv4 address reports from 0.0.0.0")
    ip("addr flush dev h0", ns=NS)
    t0 = time.monotonic()
    e.join(G7, "include", [S[3]])
    time.sleep(2 * (URI + SLACK) + 0.3)
    ps = e.cap.get(t0)
    eq([(p.src, p.errors, p.ttl, p.ra) for p in ps],
       [("0.0.0.0", [], 1, True)] * 2,
       "reports (RV 2) of a device without an IPv4 address: source "
       "0.0.0.0 (RFC 9776 §4.2.13): %r" % ps)
    eq(m.v3_records(ps), [rec(ALLOW, G7, [S[3]])] * 2,
       "records sent from 0.0.0.0")
    ip("addr add %s/24 dev h0" % H_ADDR, ns=NS)

    step("H: a query with QRV 0: back to the robustness parameter (%d)" %
         RV0)
    general(e, 0, "general query with QRV 0 and QQIC 0", qrv=0, qqic=0,
            wait=0.3)
    unsolicited(e, lambda: e.join(G9, "include", [S[9]]),
                [rec(ALLOW, G9, [S[9]])], "join G9 after a QRV 0 query",
                rv=RV0)

    step("H: report_link_local=1 reports 224.0.0.x groups")
    m.write_param("report_link_local", 1)
    unsolicited(e, lambda: e.join("224.0.0.252"),
                [rec(TO_EX, "224.0.0.252")], "join 224.0.0.252 with "
                "report_link_local=1", rv=RV0)
    m.write_param("report_link_local", 0)


def setup():
    m.netns_add(NS)
    m.netns_add(PEER)
    m.veth("h0", NS, "p0", PEER, up=False)
    m.ipv6_quiet(NS, "h0", disable=True)
    m.ipv6_quiet(PEER, "p0", disable=True)
    ip("addr add %s/24 dev h0" % H_ADDR, ns=NS)
    ip("addr add %s/24 dev p0" % Q_ADDR, ns=PEER)
    ip("link set p0 up", ns=PEER)
    ip("link set h0 up", ns=NS)


def body():
    tw = m.TaintWatch()
    m.fresh_module("robustness=%d" % RV0, "unsolicited_report_interval_ms=%d"
                   % int(URI * 1000), "coalesce_ms=20")
    step("setup: netns h (mchost) and p (scapy querier, capture)")
    setup()
    e = Env()
    time.sleep(0.3)
    e.quiet(0, None, "before any join")
    phase_a(e)
    phase_b(e)
    phase_c(e)
    phase_d(e)
    phase_e(e)
    phase_f(e)
    phase_g(e)
    phase_h(e)
    m.check_invariant(m.counters(NS), "at the end")
    e.cap.close()
    tw.check()


if __name__ == "__main__":
    m.main(body)
