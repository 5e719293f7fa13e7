#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t70-engine: the IGMP and the MLD engine against a querier on the wire.

Netns h: h0 (10.0.0.2, fe80::2 nodad, `arp off`: the stock stack joins no
group it reports, so every IGMP/MLD packet leaving h0 is mchost's) and h1
(no address yet). Netns p (IPv6 off): p0 and p1, their veth peers, where
the queries are injected (mclib's builders: t20 checks them against scapy)
and everything h sends is captured and parsed from raw bytes. Every packet
time is a kernel timestamp: a state-change report must have left before its
mchostctl command returned; responses are timed from the query's kernel
transmit time. Module parameters: robustness=3,
*_unsolicited_report_interval=200 (all four), coalesce_ms=20,
report_link_local=0 (the linklocal phase turns it on).

Every phase runs for IGMP and for MLD ("v3" = IGMPv3/MLDv2, "old" =
IGMPv2/MLDv1):

  changes   each join / filter change / leave: exactly its records (RFC 9776
            §5.1 table), RV (3) times, the first before the command
            returned, then each within (0, URI]; link-local groups silent
  pending   changes while retransmissions are pending, merged (§5.1): the
            exact record sequence; two owners (a hold process) merged
  link      link down: nothing; up: every membership announced RV times,
            and a join right after the up; snd_errors stays 0; MLD: again
            from the link-local address once it is back
  source    no usable address: IGMP from 0.0.0.0, MLD from :: (tentative),
            then again from the link-local address once its DAD ends;
            robustness written at runtime; an old query before any v3 one:
            old mode for the defaults' RV*QI+QRI, from `ifaces -d`
  queries   general (one packet, every group), Max Resp Code 0, group and
            group-and-source queries (IS_IN of the right set), queries from
            0.0.0.0 (IGMP), no suppression in v3 mode, a general response
            during a leave's retransmissions
  merge     pending responses merged (RFC 9776 §5.2), rate limit (8/s), a
            leave while a general response is pending
  values    QRV / QQIC / Max Resp Code (exponential forms) adopted, as the
            -d columns show in text, JSON and /proc; QRV 0; the other
            family's old querier changes nothing here

t71-engine-compat runs the other phases, after the changes phase.
"""
import os
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, IGMP, IS_EX, IS_IN, MLD, TO_EX, TO_IN, check,
                   eq, fail, ip, log, rec, step)
from enginelib import (LATE, NS, OTHER, PLAN, RV0, URI, kinds, old_mode,
                       phase_changes, query, respond, run, unsolicited, wait_n,
                       wait_v3)

def pending(e, cmds, pre, post, what):
    """cmds (e.batch's) make two changes of one group at once; the first
    change's report (records pre) is sent at once and maybe retransmitted
    k times before the second change; then the merged report of the second
    (post(k): the record lists, RV in all) goes out at once too."""
    c0 = e.ctr()
    r = e.batch(*cmds)
    wait_n(e, r.t0, RV0 + 1, 2 + RV0 * (URI + LATE), what)
    time.sleep(URI + 0.1)
    ps = e.pkts(r.t0)
    recs = [sorted(m.records([p])) for p in ps]
    n = 0
    while n < len(recs) and recs[n] == sorted(pre):
        n += 1
    check(1 <= n <= RV0, "%s: reports %r" % (what, ps))
    eq([" ".join(map(m.rec_str, x)) for x in recs[n:]],
       [" ".join(map(m.rec_str, sorted(x))) for x in post(n - 1)],
       "%s: the reports after the second change (the first one sent %d "
       "times before it)" % (what, n))
    check(ps[0].t <= r.t1 and ps[n].t <= r.t1, "%s: both changes' first "
          "reports must leave within the command (%.3f): %r" % (what, r.t1,
                                                                 ps))
    eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "%s: snd_* counters" % what)
    log("%s: %r" % (what, ps))


def allow_merged(e, k):
    """INCLUDE{S1} then INCLUDE{S1,S2} after ALLOW{S1} went out k + 1
    times: the reports after the change. RFC 9776 §5.1 keeps retransmission
    state per source: S2 (the difference) is in all RV of them, S1 only in
    its RV - 1 - k transmissions still due."""
    g, s1, s2 = e.G[6], e.S[1], e.S[2]
    return [[rec(ALLOW, g, [s1, s2] if i < RV0 - 1 - k else [s2])]
            for i in range(RV0)]


def phase_pending(e):
    step("%s pending: changes merged while retransmissions are pending" %
         e.f)
    g, S = e.G[6], e.S
    pending(e, [(g, "exclude", ()), (g,)], [rec(TO_EX, g)],
            lambda k: [[rec(TO_IN, g)]] * RV0, "join and leave at once")
    pending(e, [(g, "include", [S[1]]), (g, "include", [S[1], S[2]])],
            [rec(ALLOW, g, [S[1]])], lambda k: allow_merged(e, k),
            "INCLUDE{S1}, then INCLUDE{S1,S2} at once")
    pending(e, [(g,), (g, "exclude", ())], [rec(BLOCK, g, S[1:3])],
            lambda k: [[rec(TO_EX, g)]] * RV0, "leave and join again at once")
    check(m.mcast_mac(g) in m.maddr_links("h0", NS),
          "%s's link-layer address must be on h0 again" % g)
    pending(e, [(g, "include", [S[4]]), (g, "exclude", [S[5]])],
            [rec(TO_IN, g, [S[4]])], lambda k: [[rec(TO_EX, g, [S[5]])]] *
            RV0, "EXCLUDE -> INCLUDE{S4} -> EXCLUDE{S5} at once (mode "
            "changes)")
    unsolicited(e, lambda: e.leave(g), [rec(TO_IN, g)], "leave %s" % g)

    step("%s pending: a hold process's EXCLUDE{S1} merged with a "
         "persistent INCLUDE{S1,S2}" % e.f)
    g = e.G[7]
    unsolicited(e, lambda: e.join(g, "include", S[1:3]),
                [rec(ALLOW, g, S[1:3])], "join %s INCLUDE{S1,S2}" % g)
    hold = []

    def owners(n):
        # -d show's lines, less the report timers that end them.
        return m.wait_for(lambda: [ln.split(" rtx_left ")[0] for ln in m.ctl(
            ["-d", "show"], ns=NS).stdout.splitlines() if
                                   " %s " % g in ln and
                                   " owners %d " % n in ln + " "], 5,
                          "%s with %d owner(s)" % (g, n))

    def start():
        t0 = time.time()
        hold.append(m.spawn([m.CTL] + m.join_args(
            "h0", g, "exclude", [S[1]], hold=True), ns=NS))
        owners(2)
        return types.SimpleNamespace(t0=t0, t1=time.time())

    def stop():
        t0 = time.time()
        hold[0].kill()
        hold[0].wait(5)
        owners(1)
        return types.SimpleNamespace(t0=t0, t1=time.time())
    unsolicited(e, start, [rec(TO_EX, g)], "hold EXCLUDE{S1} beside "
                "INCLUDE{S1,S2}: EXCLUDE{}")
    eq(owners(2), ["dev h0 group %s mode exclude owners 2" % g], "merged")
    unsolicited(e, stop, [rec(TO_IN, g, S[1:3])], "the hold process killed:"
                " INCLUDE{S1,S2} again")
    unsolicited(e, lambda: e.leave(g), [rec(BLOCK, g, S[1:3])],
                "leave %s" % g)


# ------------------------------------------------------------------- link

def phase_link(e):
    step("%s link: down sends nothing; up announces every membership" % e.f)
    S, G = e.S, e.G
    e.setup((G[6], "include", [S[7]]), (G[7], "exclude", ()))
    t0 = time.time()
    ip("link set h0 down", ns=NS)
    e.join(G[8], "exclude", [S[8]])
    time.sleep(0.5)
    e.quiet(t0, "h0 down, and a join while it is down")
    c0 = e.ctr()
    t0 = time.time()
    ip("link set h0 up", ns=NS)
    e.join(G[9], "include", [S[9]])       # right after the up
    exp = sorted(e.current(types=(ALLOW, TO_EX)) * RV0)
    wait_n(e, t0, len(exp), 3 + RV0 * (URI + LATE), "the announcements",
           recs=True)
    time.sleep(URI + 0.1)
    # IPv6 addresses go with the link (keep_addr_on_down 0): from ::.
    ps = e.pkts(t0, src=e.a["h"] if e.f is IGMP else "::")
    d = e.cdelta(c0, m.SND)
    log("after link up: %r; snd_* %s" % (ps, d))
    eq([m.rec_str(r) for r in sorted(m.records(ps))],
       [m.rec_str(r) for r in exp], "after `ip link set h0 up`: each "
       "membership's state-change record RV times")
    eq(d, m.snd_expect(ps), "snd_* counters after link up (no errors)")
    t0 = time.time()
    ip("addr add %s/64 dev h0 nodad" % PLAN[MLD]["h"], ns=NS)
    if e.f is MLD:
        # Reports from :: may be ignored by routers and snooping switches:
        # with a usable link-local address, each membership is reported
        # again from it, as after DAD.
        wait_n(e, t0, len(exp), 3 + RV0 * (URI + LATE), "the announcements "
               "from %s" % e.a["h"], recs=True)
        time.sleep(URI + 0.1)
        ps = e.pkts(t0)
        eq([m.rec_str(r) for r in sorted(m.records(ps))],
           [m.rec_str(r) for r in exp], "after `ip addr add %s`: each "
           "membership's state-change record RV times" % e.a["h"])
    e.setup(*[(g,) for g in G[6:10]])


# ----------------------------------------------------------------- source

def phase_source(e):
    f, g, h1 = e.f, e.G[10], e.a["h1"]
    step("%s source: no usable address on h1, robustness at runtime, an "
         "old query before any v3 one" % f)
    if f is IGMP:
        # h0 has one: README, "from the device's primary address, or
        # 0.0.0.0 if it has none".
        src, what = "0.0.0.0", "h1 has no IPv4 address (RFC 9776 §4.2.13)"
    else:
        m.sysctl(NS, "net.ipv6.conf.h1.accept_dad", 1)
        m.sysctl(NS, "net.ipv6.conf.h1.dad_transmits", 3)
        ip("addr add %s/64 dev h1" % h1, ns=NS)
        src, what = "::", "%s on h1 is tentative (RFC 9777 §5.2.13)" % h1

    def tentative():
        return "tentative" in ip(["-6", "addr", "show", "dev", "h1"],
                                 ns=NS).stdout

    def join():
        r = e.join(g, dev="h1")
        check(f is IGMP or tentative(), "%s not tentative any more" % h1)
        return r
    unsolicited(e, join, [rec(TO_EX, g)], "join on h1: %s" % what,
                rv=RV0, cap=e.cap1, src=src)
    if f is IGMP:
        ip("addr add %s/24 dev h1" % h1, ns=NS)
    else:
        def dad_end():
            t0 = time.time()
            m.wait_for(lambda: not tentative(), 8, "DAD of %s to end" % h1)
            m.wait_for(lambda: e.pkts(t0, cap=e.cap1, src=h1), 2,
                       "a report from %s" % h1)
            return types.SimpleNamespace(t0=t0, t1=time.time())
        # Reports from :: may be ignored by routers and snooping switches:
        # once DAD ends, the membership is reported again from h1.
        unsolicited(e, dad_end, [rec(TO_EX, g)], "DAD of %s ended: the "
                    "membership reported again from it" % h1, rv=RV0,
                    cap=e.cap1, src=h1)
    unsolicited(e, lambda: e.leave(g, dev="h1"), [rec(TO_IN, g)],
                "leave on h1 with %s usable" % h1, rv=RV0, cap=e.cap1,
                src=h1)
    m.write_param("robustness", 2)
    unsolicited(e, lambda: e.join(g, dev="h1"), [rec(TO_EX, g)],
                "join on h1 (no querier heard there) after robustness=2 "
                "was written", rv=2, cap=e.cap1, src=h1)
    m.write_param("robustness", RV0)
    unsolicited(e, lambda: e.leave(g, dev="h1"), [rec(TO_IN, g)],
                "leave on h1 after robustness=%d was written" % RV0,
                rv=RV0, cap=e.cap1, src=h1)
    # RFC 9776 §8.12: Older Version Querier Present Timeout = RV*QI+QRI.
    t0 = e.q(level=2, mrt=1.0, cap=e.cap1)
    m.wait_for(lambda: e.version("h1") == f.ver(2), 2, "old mode on h1")
    old_mode(e, "h1", t0, 2, RV0 * 125000 + 1000, rv=RV0, qi_ms=125000,
             qri_ms=1000)
    eq(e.version(), f.ver(3), "h0's version (the old query came on h1)")


# ---------------------------------------------------------------- queries

def phase_queries(e):
    f, S, G = e.f, e.S, e.G
    step("%s queries: general, group, group-and-source" % f)
    d = query(e, e.current(), "general query (MRT 1 s)")
    eq({k: d[k] for k in ("qry_v3", "qry_general", "rcv_queries")},
       {"qry_v3": 1, "qry_general": 1, "rcv_queries": 1}, "counters")
    d = query(e, e.current(), "general query, Max Resp Code 0", mrt=0)
    if f is IGMP:
        query(e, e.current(), "general query from 0.0.0.0 (RFC 4541)",
              src="0.0.0.0")
    c0 = e.ctr()
    t0 = e.q(G[3])
    e.q(G[1])
    respond(e, t0, [rec(IS_EX, G[3], [S[5]]), rec(IS_IN, G[1],
                                                   [S[2], S[4]])],
            "group queries for G3 and G1", 1.0, npkt=2)
    for g in (e.GN, e.GL, f.all_hosts):
        query(e, [], "group query for %s (not held / link-local / "
              "all-hosts)" % g, group=g, mrt=0)
    eq(e.cdelta(c0, ["qry_group", "qry_group_source", "qry_general"]),
       {"qry_group": 5, "qry_group_source": 0, "qry_general": 0},
       "counters of 5 group queries")
    c0 = e.ctr()
    t0 = e.q(G[3])
    e.other_report(G[3])
    respond(e, t0, [rec(IS_EX, G[3], [S[5]])], "a group query, then "
            "another host's old report: no suppression in v3 mode", 1.0)
    eq(e.cdelta(c0, ["snd_suppressed", "rcv_ourreports", "rcv_reports"]),
       {"snd_suppressed": 0, "rcv_ourreports": 1, "rcv_reports": 1},
       "counters of another host's report in v3 mode")
    eq(e.version(), f.ver(3), "version after an old report (no query)")
    gs = [(G[1], [S[2], S[9]], [rec(IS_IN, G[1], [S[2]])],
           "INCLUDE{S2,S4} asked {S2,S9}: IS_IN(filter & asked)"),
          (G[1], [S[5], S[6]], [], "INCLUDE{S2,S4} asked {S5,S6}"),
          (G[1], [S[4], S[2], S[4]], [rec(IS_IN, G[1], [S[2], S[4]])],
           "INCLUDE{S2,S4} asked {S4,S2,S4} (a source twice)"),
          (G[3], [S[3], S[5], S[7]], [rec(IS_IN, G[3], [S[3], S[7]])],
           "EXCLUDE{S5} asked {S3,S5,S7}: IS_IN(asked - filter)"),
          (G[3], [S[5]], [], "EXCLUDE{S5} asked {S5}"),
          (G[2], [S[1]], [rec(IS_IN, G[2], [S[1]])], "EXCLUDE{} asked {S1}")]
    c0 = e.ctr()
    for g, asked, exp, what in gs:
        query(e, exp, what, group=g, sources=asked, mrt=0.5)
    eq(e.cdelta(c0, ["qry_group_source", "qry_ratelimited"]),
       {"qry_group_source": len(gs), "qry_ratelimited": 0},
       "counters of the group-and-source queries")

    step("%s queries: a general query while a leave is retransmitted" % f)
    e.setup((G[8], "include", [S[1]]))
    c0 = e.ctr()
    r = e.leave(G[8])
    t0 = e.q(mrt=0)
    wait_n(e, r.t0, e.rv + 1, 2 + e.rv * (URI + LATE), "reports")
    time.sleep(URI + 0.1)
    ps = e.pkts(r.t0)
    eq(sorted(kinds(ps)), sorted([("v3", [rec(BLOCK, G[8], [S[1]])])] *
                                 e.rv + [("v3", e.current())]),
       "a general query (MRC 0, at %.3f) during the leave of G8 "
       "INCLUDE{S1}: BLOCK{S1} RV times, and a response without G8" % t0)
    eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "snd_* counters")


def twice(e, first, second, exp, what, mrt=1.0):
    """Two queries back to back; one response with exactly exp (RFC 9776
    §5.2 rules 3-5). Again when h answered the first before the second."""
    for attempt in range(4):
        c0 = e.ctr()
        t0 = e.q(*first, mrt=mrt)
        t1 = e.q(*second, mrt=mrt)
        early = e.pkts(t0, t1)
        if not early:
            return respond(e, t0, exp, what, mrt, c0=c0)
        log("%s: answered before the second query (%r); again" % (
            what, early))
        time.sleep(mrt + 0.2)
    fail("%s: h answered the first query before the second 4 times" % what)


def phase_merge(e):
    f, S, G = e.f, e.S, e.G
    step("%s merge: pending responses, rate limit" % f)
    twice(e, (G[1], [S[2]]), (G[1], [S[4], S[9]]),
          [rec(IS_IN, G[1], [S[2], S[4]])],
          "G1 asked {S2}, then {S4,S9} while pending: one IS_IN{S2,S4}")
    twice(e, (G[3],), (G[3], [S[7]]), [rec(IS_EX, G[3], [S[5]])],
          "G3 group query, then one asking {S7}: IS_EX of the state")
    twice(e, (G[3], [S[7]]), (G[3],), [rec(IS_EX, G[3], [S[5]])],
          "G3 asked {S7}, then a group query: IS_EX of the state")
    # Max Resp Time 5 s: the answer rarely leaves before the 10th query,
    # even on a slow (debug, loaded) kernel, which must send all 10 within
    # the rate limit's second.
    frame = f.frame(f.query(e.a["q"], G[4], [S[6]], mrt=5.0), e.mac)
    for attempt in range(4):
        time.sleep(1.1)          # a fresh rate-limit window
        c0 = e.ctr()
        sent = [e.cap.send(frame) for _ in range(10)]
        if not e.pkts(sent[0], sent[-1]) and sent[-1] - sent[0] < 0.9:
            break
        log("answered before the 10th query, or 10 queries took %.3f s; "
            "again" % (sent[-1] - sent[0]))
        time.sleep(5.2)          # no answer pending
    else:
        fail("answered before the 10th query, or not 10 within 0.9 s, "
             "4 times")
    respond(e, sent[0], [rec(IS_IN, G[4], [S[6]])], "10 group-and-source "
            "queries for G4 asking {S6} within %.3f s: one response" %
            (sent[-1] - sent[0]), 5.0, c0=c0)
    eq(e.cdelta(c0, ["rcv_queries", "qry_group_source", "qry_ratelimited"]),
       {"rcv_queries": 10, "qry_group_source": 10, "qry_ratelimited": 2},
       "10 group-and-source queries for one group within a second: the "
       "9th and 10th are rate limited")

    step("%s merge: a leave while a general response is pending" % f)
    for attempt in range(4):
        e.setup((G[9], "exclude", ()))
        c0 = e.ctr()
        t0 = e.q(mrt=1.5)
        e.leave(G[9])
        wait_n(e, t0, e.rv + 1, 4, "reports")
        time.sleep(max(URI + 0.1, t0 + 1.6 - time.time()))
        ps = e.pkts(t0)
        if not [r for r in m.records(ps) if r[:2] == (IS_EX, G[9])]:
            break
        log("the general response came before the leave; again")
    else:
        fail("the general response came before the leave 4 times")
    eq(sorted(kinds(ps)), sorted([("v3", [rec(TO_IN, G[9])])] * e.rv +
                                 [("v3", e.current())]),
       "G9's leave (TO_IN{} RV times) during a pending general response: "
       "the response holds the state at the time of sending, without G9")
    eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "snd_* counters")


# ----------------------------------------------------------------- values

def phase_values(e):
    f = e.f
    step("%s values: QRV, QQIC, Max Resp Code adopted (`ifaces -d`)" % f)
    # (QRV, QQIC, Max Resp Code) -> (rv, qi_ms, qri_ms): codes >= 128 /
    # 32768 are exponential (RFC 9776 §4.1.1, §4.1.7, RFC 9777 §5.1.3).
    cases = [(5, 0x81, 0x81, 5, 136000, 13600),
             (0, 0xff, 0xff, RV0, 31744000, 3174400),
             (7, 127, 127, 7, 127000, 12700),
             (3, 0, 10, 3, 125000, 1000)] if f is IGMP else \
        [(5, 0x81, 0x8000, 5, 136000, 32768),
         (0, 0xff, 0xffff, RV0, 31744000, 8387584),
         (7, 127, 32767, 7, 127000, 32767),
         (3, 0, 1000, 3, 125000, 1000)]
    for qrv, qqic, code, rv, qi, qri in cases:
        c0 = e.ctr()
        e.q(e.GN, qrv=qrv, qqic=qqic, code=code)
        m.wait_for(lambda: e.ctr()["qry_v3"] > c0["qry_v3"], 2, "the query")
        st = m.ifaces_d("h0", NS)
        eq({k: st["%s_%s" % (f.name, k)] for k in ("rv", "qi_ms", "qri_ms",
                                                  "v1_querier_ms",
                                                  "v2_querier_ms",
                                                  "general_ms")},
           {"rv": rv, "qi_ms": qi, "qri_ms": qri, "v1_querier_ms": 0,
            "v2_querier_ms": 0, "general_ms": 0},
           "after a query with QRV %d, QQIC %#x, Max Resp Code %#x" % (
               qrv, qqic, code))
    e.q(e.GN, qrv=2, qqic=125)
    unsolicited(e, lambda: e.join(e.G[11]), [rec(TO_EX, e.G[11])],
                "join after a query with QRV 2", rv=2)
    e.q(e.GN, qrv=0, qqic=125)
    unsolicited(e, lambda: e.leave(e.G[11]), [rec(TO_IN, e.G[11])],
                "leave after a query with QRV 0: the robustness parameter "
                "(%d)" % RV0, rv=RV0)
    o = OTHER[f]
    step("%s values: an old %s querier leaves %s alone" % (f, o.f, f))
    o.q(o.GN, qrv=1, qqic=1)             # old mode for 1 * 1 s + 0.5 s
    c0 = m.counters(NS)
    t0 = o.q(level=2, mrt=0.5)
    m.wait_for(lambda: o.version() == o.f.ver(2), 2, "%s old mode" % o.f)
    eq(e.version(), f.ver(3), "%s version" % f)
    time.sleep(0.7)
    e.quiet(t0, "after an old %s query" % o.f)
    d = m.delta(c0, m.counters(NS))[f.name]
    eq({k: v for k, v in d.items() if v}, {}, "%s counters" % f)
    wait_v3(o, 3, "%s after its old querier" % o.f)
    ops = o.pkts(t0)
    eq(sorted((p.kind(), m.canon(p.group)) for p in ops),
       sorted(("v2", g) for g in o.reportable()),
       "%s's own old reports to its old query" % o.f)


PHASES = [phase_changes, phase_pending, phase_link, phase_source, phase_queries, phase_merge, phase_values]


if __name__ == "__main__":
    m.main(lambda: run(PHASES))
