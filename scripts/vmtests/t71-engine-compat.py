#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t71-engine-compat: the IGMP and the MLD engine against a querier on the
wire: malformed messages, older versions, link-local groups.

The netns layout, the timing rules and the module parameters are
t70-engine's (enginelib.py).

Every phase runs for IGMP and for MLD ("v3" = IGMPv3/MLDv2, "old" =
IGMPv2/MLDv1):

  changes   each join / filter change / leave: exactly its records (RFC 9776
            §5.1 table), RV (3) times, the first before the command
            returned, then each within (0, URI]; link-local groups silent
  bad       malformed messages (and MLD queries with a global source, hop
            limit != 1 or no Router Alert): counted in exactly their reason
  compat    an old query: old mode for RV*QI+QRI (from `ifaces -d`), the
            pending v3 retransmission stopped, old reports (RV times),
            Leave/Done; a v3 query answered with old reports at once
  suppress  another host's old report suppresses ours (old mode only), and
            then no Leave/Done
  v1        (IGMP) an IGMPv1 query, then an IGMPv2 one: v1, v2, v3 modes
  maxver    igmp_max_version / mld_max_version lowered: old mode at once,
            a pending v3 response cancelled; raised again: v3
  mtu68     (IGMP) MTU 68 during a general response: split / truncated
  linklocal report_link_local=1 reports link-local groups

The changes phase (see t70-engine) runs first, for the state the others
start from; enginelib.py has the common part.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, IGMP, IS_EX, IS_IN, MLD, TO_EX, TO_IN, check,
                   eq, fail, ip, log, rec, step)
from enginelib import (GLOBAL, LATE, NS, PLAN, URI, old_mode, phase_changes,
                       query, respond, run, unsolicited, wait_n, wait_v3)

# -------------------------------------------------------------------- bad

def malformed(e):
    """(what, IP packet, reason counter) of every malformed message."""
    f, S, G1, G2, q = e.f, e.S, e.G[1], e.G[2], e.a["q"]
    if f is IGMP:
        def raw(payload, dst=f.all_hosts, **kw):
            return m.ipv4(q, dst, payload, **kw)
        v3 = m.igmp_v3_query(mrc=10)
        g1q = m.igmp_v3_query(G1, [S[2], S[4]], mrc=10)

        def sized(n, group="0.0.0.0"):
            return m.igmp_msg(m.igmp_v12(0x11, 10, group) + b"\0" * (n - 8))
        return [
            ("no IGMP payload", raw(b""), "rcv_tooshort"),
            ("1-byte IGMP", raw(b"\x11"), "rcv_tooshort"),
            ("4 bytes of a v3 query", raw(v3[:4]), "rcv_tooshort"),
            ("7 bytes of a v3 query", raw(v3[:7]), "rcv_tooshort"),
            ("v3 general query, bad checksum",
             raw(m.igmp_v3_query(mrc=10, bad_csum=True)), "rcv_badsum"),
            ("v3 query with MRC 0, bad checksum",
             raw(m.igmp_v3_query(mrc=0, bad_csum=True)), "rcv_badsum"),
            ("v2 general query, bad checksum",
             raw(m.igmp_v12(0x11, 10, "0.0.0.0", True)), "rcv_badsum"),
            ("v1 query, bad checksum",
             raw(m.igmp_v12(0x11, 0, "0.0.0.0", True)), "rcv_badsum"),
            ("v2 query for G2, bad checksum",
             raw(m.igmp_v12(0x11, 10, G2, True), G2), "rcv_badsum"),
            ("v3 group-and-source query for G1, bad checksum",
             raw(m.igmp_v3_query(G1, [S[2]], mrc=10, bad_csum=True), G1),
             "rcv_badsum"),
            ("9-byte query", raw(sized(9)), "rcv_badqueries"),
            ("10-byte query", raw(sized(10)), "rcv_badqueries"),
            ("11-byte query", raw(sized(11)), "rcv_badqueries"),
            ("11-byte query for G1", raw(sized(11, G1), G1),
             "rcv_badqueries"),
            ("v3 query, 1 source announced, none present",
             raw(m.igmp_v3_query(G1, [], mrc=10, nsrc=1), G1),
             "rcv_badqueries"),
            ("v3 query, 3 sources announced, 2 present",
             raw(m.igmp_v3_query(G1, [S[2], S[4]], mrc=10, nsrc=3), G1),
             "rcv_badqueries"),
            ("v3 query, 65535 sources announced, 2 present",
             raw(m.igmp_v3_query(G1, [S[2], S[4]], mrc=10, nsrc=65535), G1),
             "rcv_badqueries"),
            ("v3 query, 3 sources announced, 2 and a half present",
             raw(m.igmp_msg(m.igmp_v3_query(G1, S[2:5], mrc=10)[:-2]), G1),
             "rcv_badqueries"),
            ("v3 general query carrying a source",
             raw(m.igmp_v3_query("0.0.0.0", [S[2]], mrc=10)),
             "rcv_badqueries"),
            # A v1 query's group field is ignored (RFC 1112 App. I), so
            # one naming a group is a general query: t22 tests that.
            ("v2 query for a unicast group",
             raw(m.igmp_v12(0x11, 10, "10.1.2.3")), "rcv_badqueries"),
            ("v3 query for a unicast group",
             raw(m.igmp_v3_query("10.1.2.3", mrc=10)), "rcv_badqueries"),
            ("v3 group-and-source query for a unicast group",
             raw(m.igmp_v3_query("10.1.2.3", [S[2]], mrc=10)),
             "rcv_badqueries"),
            ("v2 query for 255.255.255.255",
             raw(m.igmp_v12(0x11, 10, "255.255.255.255")), "rcv_badqueries"),
            ("v3 query for class E 240.0.0.1",
             raw(m.igmp_v3_query("240.0.0.1", mrc=10)), "rcv_badqueries"),
            ("v3 general query in a first fragment (MF)",
             raw(v3, mf=True, ident=71), "rcv_fragments"),
            ("v1 query in a first fragment (MF)",
             raw(m.igmp_v12(0x11, 0, "0.0.0.0"), mf=True, ident=72),
             "rcv_fragments"),
            ("v2 query as a last fragment (offset 8)",
             raw(m.igmp_v12(0x11, 10, "0.0.0.0"), frag_off=8, ident=73),
             "rcv_fragments"),
            ("v3 group-and-source query for G1 in a first fragment",
             raw(g1q, G1, mf=True, ident=74), "rcv_fragments"),
        ]
    o, A, R = e.a["other"], "ff02::1", "ff02::16"

    def raw(fn, dst, src=q, **kw):
        """fn(src, dst) builds the ICMPv6 message (its checksum needs
        both)."""
        return m.ipv6(src, dst, 58, fn(src, dst), **kw)

    def q2(*a, **kw):          # an MLDv2 query, Max Resp Code 0
        return lambda s, d: m.mld_v2_query(s, d, *a, mrd=0, **kw)

    def v1(t, g="::", **kw):   # an MLDv1 message of type t
        return lambda s, d: m.mld_v1(s, d, t, g, **kw)

    def rep2(recs, **kw):      # an MLDv2 report
        return lambda s, d: m.mld_v2_report(s, d, recs, **kw)

    def cut(n, fn):            # fn's message, n bytes of it, checksummed
        return lambda s, d: m.icmp6_msg(s, d, fn(s, d)[:n])
    body = m.mld_v2_query(q, A, mrd=0)
    nopseudo = body[:2] + struct.pack("!H", m.csum(body[:2] + b"\0\0" +
                                                   body[4:])) + body[4:]
    aux = rep2([(2, G1, [])])(o, R)
    return [
        ("MLD query of 4 bytes", raw(cut(4, q2()), A), "rcv_tooshort"),
        ("MLDv2 report of 6 bytes", raw(cut(6, rep2([])), R),
         "rcv_tooshort"),
        ("MLDv1 report of 7 bytes", raw(cut(7, v1(131, G1)), G1),
         "rcv_tooshort"),
        ("MLDv2 general query, checksum off by one",
         raw(q2(bad_csum=True), A), "rcv_badsum"),
        ("MLDv2 query for G1, checksum over the wrong pseudo-header "
         "(destination ff02::1 instead of G1)",
         raw(lambda s, d: q2(G1)(s, A), G1), "rcv_badsum"),
        ("MLDv2 general query, checksum without the pseudo-header",
         raw(lambda s, d: nopseudo, A), "rcv_badsum"),
        ("MLDv1 general query, checksum off by one",
         raw(v1(130, bad_csum=True), A), "rcv_badsum"),
        ("MLDv1 report for G1, checksum off by one",
         raw(v1(131, G1, bad_csum=True), G1, o), "rcv_badsum"),
        ("MLDv2 report, checksum off by one",
         raw(rep2([(2, G1, [])], bad_csum=True), R, o), "rcv_badsum"),
        ("MLDv1 Done, checksum over another source (pseudo-header)",
         raw(lambda s, d: v1(132, G1)(q, d), "ff02::2", o), "rcv_badsum"),
    ] + [("MLD query of %d bytes" % n, raw(q2(trunc=n), A), "rcv_badqueries")
         for n in (25, 26, 27, 20)] + [
        ("MLDv2 query for G1: 2 sources announced, 1 present",
         raw(q2(G1, [S[1]], nsrc=2), G1), "rcv_badqueries"),
        ("MLDv2 query for G1: 65535 sources announced, 3 present",
         raw(q2(G1, S[1:4], nsrc=65535), G1), "rcv_badqueries"),
        ("MLDv2 query for G1: 1 source announced, 8 of its 16 bytes",
         raw(q2(G1, [S[1]], trunc=36), G1), "rcv_badqueries"),
        ("MLDv2 query for the unicast address %s" % GLOBAL,
         raw(q2(GLOBAL), A), "rcv_badqueries"),
        ("MLDv2 query for the link-local unicast address fe80::5",
         raw(q2("fe80::5"), A), "rcv_badqueries"),
        ("MLDv1 query for the unicast address %s" % GLOBAL,
         raw(v1(130, GLOBAL), A), "rcv_badqueries"),
        ("MLDv1 report for the unicast address %s" % GLOBAL,
         raw(v1(131, GLOBAL), G1, o), "rcv_badreports"),
        ("MLDv1 report for ::", raw(v1(131), G1, o), "rcv_badreports"),
        ("MLDv1 Done for the unicast address %s" % GLOBAL,
         raw(v1(132, GLOBAL), "ff02::2", o), "rcv_badreports"),
        ("MLDv1 report of 20 bytes", raw(cut(20, v1(131, G1)), G1, o),
         "rcv_badreports"),
        ("MLDv2 report: record with 3 sources announced, 1 present",
         raw(rep2([(1, G1, [S[1]], 3)]), R, o), "rcv_badreports"),
        ("MLDv2 report: 2 records announced, 1 present",
         raw(rep2([(2, G1, [])], nrec=2), R, o), "rcv_badreports"),
        ("MLDv2 report: aux data length 2 (8 bytes), none present",
         raw(lambda s, d: m.icmp6_msg(s, d, aux[:9] + b"\x02" + aux[10:]), R,
             o), "rcv_badreports"),
        ("MLDv2 report: a record for the unicast address %s" % GLOBAL,
         raw(rep2([(2, G1, []), (4, GLOBAL, [])]), R, o), "rcv_badreports"),
        ("IPv6 first fragment (M set) carrying an MLDv2 general query",
         raw(q2(), A, frag=(0, True, 91)), "rcv_fragments"),
        ("IPv6 first fragment (M set) carrying an MLDv1 report for G1",
         raw(v1(131, G1), G1, o, frag=(0, True, 92)), "rcv_fragments"),
    ] + [("%s query%s" % (n, w), f.query(src, group, level=lv, code=0,
                                         ttl=ttl, ra=ra), reason)
         for n, lv in (("MLDv2", 3), ("MLDv1", 2))
         for w, src, group, ttl, ra, reason in (
             (" from a global source", GLOBAL, None, 1, True, "rcv_badsrc"),
             (" for G1 from a global source", GLOBAL, G1, 1, True,
              "rcv_badsrc"),
             (" from ::", "::", None, 1, True, "rcv_badsrc"),
             (" with hop limit 2", q, None, 2, True, "rcv_badhoplimit"),
             (" with hop limit 255", q, None, 255, True, "rcv_badhoplimit"),
             (" without Router Alert", q, None, 1, False, "rcv_nora"),
             (" for G1 without Router Alert", q, G1, 1, False, "rcv_nora"))]


def phase_bad(e):
    f = e.f
    bad = malformed(e)
    eq(len(bad), 28 if f is IGMP else 44, "number of malformed messages")
    step("%s bad: %d malformed messages, each counted in its reason" %
         (f, len(bad)))
    show0, ifaces0 = m.show_lines(NS), m.proc_interfaces(NS)
    maddr0 = sorted(m.maddr_links("h0", NS))
    t0 = time.time()
    for what, pkt, reason in bad:
        c0 = m.counters(NS)
        e.send(pkt)
        m.wait_for(lambda: e.ctr()["rcv_total"] > c0[f.name]["rcv_total"],
                   3, "%s to be counted" % what, interval=0.01)
        time.sleep(0.05)           # anything counted twice shows up by now
        m.expect_delta(c0, m.counters(NS), {f.name: {"rcv_total": 1,
                                                     reason: 1}}, what)
    # A malformed query taken as valid would have been answered by now.
    time.sleep(1.2)
    e.quiet(t0, "the malformed messages")
    eq(m.show_lines(NS), show0, "`show` after the malformed messages")
    eq(m.proc_interfaces(NS), ifaces0, "interfaces (versions unchanged)")
    eq(sorted(m.maddr_links("h0", NS)), maddr0, "ip maddr of h0")
    m.check_invariant(m.counters(NS), "after the malformed messages")
    query(e, [rec(IS_IN, e.G[1], [e.S[2], e.S[4]])], "a valid group query "
          "after them", group=e.G[1], mrt=0)


# ----------------------------------------------------------------- compat

def phase_compat(e):
    f, S, G = e.f, e.S, e.G
    # QI 5 s: old mode for 11 s, long enough for the steps below on a
    # slow (debug, loaded) kernel.
    step("%s compat: an old query (QRV 2, QQIC 5 before): old mode for "
         "RV*QI+QRI = 11 s" % f)
    query(e, e.current(), "general query with QRV 2, QQIC 5", mrt=0,
          qqic=5)
    # A long URI for this join: its retransmission is still due when the
    # old query comes, and must not be sent in old mode.
    m.write_param("%sv%d_unsolicited_report_interval" % (f.name, f.ver(3)),
                  5000)
    c0 = e.ctr()
    r = e.join(G[8])
    tq = e.q(level=2, mrt=1.0)
    m.write_param("%sv%d_unsolicited_report_interval" % (f.name, f.ver(3)),
                  int(URI * 1000))
    m.wait_for(lambda: e.version() == f.ver(2), 2, "old mode")
    old_mode(e, "h0", tq, 2, 2 * 5000 + 1000, rv=2, qi_ms=5000, qri_ms=1000)
    time.sleep(max(0, tq + 1.1 - time.time()))     # the responses are done
    # In old mode a join reports at once and once more within URI (RV 2),
    # a source change of a held group sends nothing, a leave a Leave/Done.
    unsolicited(e, lambda: e.join(G[5]), G[5], "join in old mode", kind="v2")
    unsolicited(e, lambda: e.join(G[5], "include", [S[1]]), G[5],
                "a source change in old mode", rv=0, kind="v2")
    lv = unsolicited(e, lambda: e.leave(G[5]), G[5], "leave in old mode "
                     "(we reported last)", rv=1, kind="leave")
    eq(m.canon(lv[0].dst), f.leave_dst, "Leave/Done destination")
    tv3 = wait_v3(e, 12, "end of old mode")
    ps = e.pkts(r.t0, tv3)
    log("join G8, then an old query: %r" % ps)
    v3 = [p for p in ps if p.kind() == "v3"]
    check(v3 and all(m.records([p]) == [rec(TO_EX, G[8])] and p.t < tq
                     for p in v3), "v3 reports for G8's join: only before "
          "the old query (%.3f): %r" % (tq, v3))
    resp = [p for p in ps if p.kind() == "v2" and m.canon(p.group) != G[5]]
    eq(sorted(m.canon(p.group) for p in resp), sorted(e.reportable()),
       "old reports answering the old query: one per group held")
    eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "snd_* over old mode")
    unsolicited(e, lambda: e.leave(G[8]), [rec(TO_IN, G[8])],
                "leave G8 back in v3 mode")

    step("%s compat: a v3 query (Max Resp Code 0) in old mode is answered "
         "at once with old reports" % f)
    c0 = e.ctr()
    tq = e.q(level=2, mrt=1.0)
    t0 = e.q(mrt=0, qrv=1, qqic=1)
    m.wait_for(lambda: e.version() == f.ver(2), 2, "old mode")
    wait_n(e, tq, len(e.reportable()), 2, "old reports")
    time.sleep(URI)
    ps = e.pkts(tq)
    late = [p for p in ps if p.t - t0 > LATE]
    eq(late, [], "old reports later than %.1f s after the MRC 0 query" % LATE)
    # A report that left before the MRC 0 query answered the old query;
    # the MRC 0 query then asks for that group again.
    early = [m.canon(p.group) for p in ps if p.t < t0]
    eq(sorted((p.kind(), m.canon(p.group)) for p in ps),
       sorted(("v2", g) for g in e.reportable() + early),
       "responses to the old query + MRC 0 v3 query: one old report per "
       "group (two if the first left before the MRC 0 query)")
    d = e.cdelta(c0)
    eq({k: d[k] for k in ("rcv_total", "rcv_queries", "qry_v2", "qry_v3",
                          "rcv_badqueries")},
       {"rcv_total": 2, "rcv_queries": 2, "qry_v2": 1, "qry_v3": 1,
        "rcv_badqueries": 0}, "counters of the two queries")
    # RV 2, QI 5 s, QRI 1 s at the old query; QRV 1, QQIC 1 and Max Resp
    # Code 0 after it.
    old_mode(e, "h0", tq, 2, 2 * 5000 + 1000, rv=1, qi_ms=1000, qri_ms=0)
    wait_v3(e, 13, "end of old mode")
    unsolicited(e, lambda: e.join(G[6], "include", [S[1]]),
                [rec(ALLOW, G[6], [S[1]])], "a join back in v3 mode (RV 1)")
    unsolicited(e, lambda: e.leave(G[6]), [rec(BLOCK, G[6], [S[1]])],
                "its leave")


def phase_suppress(e):
    f, G = e.f, e.G
    step("%s suppress: another host's old report cancels ours" % f)
    for attempt in range(3):
        c0 = e.ctr()
        tq = e.q(G[1], level=2, mrt=3.0)
        ts = e.other_report(G[1])
        if not [p for p in e.pkts(tq, ts) if m.canon(p.group) == G[1]]:
            break
        log("our report for G1 left before the other host's: again")
        time.sleep(3.5)
    else:
        fail("could not send the other host's report before ours was due")
    e.q(f.all_hosts, level=2, mrt=3.0)     # never reported
    for g in G[2:5]:
        e.q(g, level=2, mrt=3.0)
    r = e.leave(G[1])                 # another host reported last: no Leave
    wait_n(e, tq, 3, 6, "old reports for G2, G3, G4")
    time.sleep(max(0, tq + 3.1 - time.time()))
    lv = e.leave(G[2])                # ours was the last report: a Leave
    time.sleep(0.2)
    ps = e.pkts(tq)
    eq(sorted((p.kind(), m.canon(p.group)) for p in ps),
       sorted([("v2", G[2]), ("v2", G[3]), ("v2", G[4]), ("leave", G[2])]),
       "after the old queries: nothing for G1 (another host reported it; "
       "its leave at %.3f sends nothing), G2-G4 reported, a Leave/Done for "
       "G2 (left at %.3f)" % (r.t0, lv.t0))
    eq(e.cdelta(c0, m.SND + ("snd_suppressed", "rcv_ourreports")),
       dict(m.snd_expect(ps), snd_suppressed=1, rcv_ourreports=1),
       "counters of the suppression")
    e.join(G[1], "include", [e.S[2], e.S[4]])
    e.join(G[2])
    wait_v3(e, 6, "end of old mode")


def phase_v1(e):
    if e.f is not IGMP:
        return
    step("IGMP v1: an IGMPv1 query (QRV 2, QQIC 1 before): v1 mode for "
         "RV*QI+10 s = 12 s; an IGMPv2 query (MRT 2 s) 9 s later: v1 wins, "
         "then v2 until its RV*QI+MRT = 4 s are over")
    e.q(e.GN, qrv=2, qqic=1, mrt=0)
    c0 = e.ctr()
    tq = e.q(level=1)
    m.wait_for(lambda: e.version() == 1, 2, "IGMPv1 mode")
    old_mode(e, "h0", tq, 1, 2 * 1000 + 10000, rv=2, qi_ms=1000, qri_ms=10000)
    g7 = m.canon(e.G[7])
    unsolicited(e, lambda: e.join(g7), g7, "join in v1 mode", kind="v1",
                only=g7)
    unsolicited(e, lambda: e.leave(g7), g7, "leave in v1 mode: nothing",
                rv=0, kind="leave", only=g7)
    time.sleep(max(0.0, tq + 9.0 - time.time()))
    tq2 = e.q(level=2, mrt=2.0)
    st = old_mode(e, "h0", tq2, 2, 2 * 1000 + 2000, version=1, qri_ms=2000)
    check(st["igmp_v1_querier_ms"] > 0, "the v1 querier timer: %s" % st)
    seen = []
    tv2 = m.wait_for(lambda: seen.append(e.version()) or
                     (seen[-1] == 2 and time.time()), 6, "v2 mode")
    tv3 = wait_v3(e, 6, "end of the v2 querier's time")
    eq(sorted(set(seen)), [1, 2], "versions seen until v2 mode")
    log("v1 mode for %.3f s, v2 mode until %.3f s after the v2 query" %
        (tv2 - tq, tv3 - tq2))
    ps = e.pkts(tq)
    held = e.reportable()
    eq(sorted({p.kind() for p in ps if p.t < tv2}), ["v1"],
       "v1 mode: only v1 reports")
    eq([p for p in ps if p.t >= tv2], [],
       "packets in v2 mode after v1 mode")
    # Each group reports once for the v1 query (within 10 s); one whose
    # report left before the v2 query came reports once more for it,
    # within its 2 s (RFC 2236 §3: a pending report only gets sooner).
    first = {g: min([p.t for p in ps if m.canon(p.group) == g] or [0])
             for g in held}
    eq({g: len([p for p in ps if m.canon(p.group) == g]) for g in held},
       {g: 1 + (0 < first[g] < tq2) for g in held},
       "v1 reports per group (the v2 query came %.3f s after the v1 one)"
       % (tq2 - tq))
    eq(e.cdelta(c0, m.SND + ("qry_v1", "qry_v2")),
       dict(m.snd_expect(ps), qry_v1=1, qry_v2=1),
       "counters over the v1 period")


def phase_maxver(e):
    f, G = e.f, e.G
    step("%s maxver: %s=%d forces old mode at once" % (f, f.maxparam,
                                                       f.ver(2)))
    for attempt in range(4):
        t0 = e.q(mrt=2.0)
        m.write_param(f.maxparam, f.ver(2))
        t1 = time.time()
        if not e.pkts(t0, t1):
            break
        log("the general response came before the write; again")
        m.write_param(f.maxparam, f.ver(3))
        time.sleep(2.2)
    else:
        fail("the general response came before the write 4 times")
    eq(e.version(), f.ver(2), "version right after the write")
    time.sleep(max(0, t0 + 2.1 - time.time()))
    e.quiet(t0, "a v3 general response pending when %s was lowered "
            "(cancelled)" % f.maxparam)
    unsolicited(e, lambda: e.join(G[9]), G[9], "join", kind="v2")
    respond(e, e.q(mrt=0.5), [("v2", g) for g in e.reportable()],
            "a v3 general query answered with old reports", 0.5, old=True)
    unsolicited(e, lambda: e.leave(G[9]), G[9], "leave (we reported last)",
                rv=1, kind="leave")
    m.write_param(f.maxparam, f.ver(3))
    eq(e.version(), f.ver(3), "version right after %s=%d" % (f.maxparam,
                                                              f.ver(3)))
    unsolicited(e, lambda: e.join(G[9]), [rec(TO_EX, G[9])], "join in v3")
    unsolicited(e, lambda: e.leave(G[9]), [rec(TO_IN, G[9])], "leave")


# ------------------------------------------------------------------ MTU 68

def phase_mtu68(e):
    if e.f is not IGMP:
        return
    GX, GY, GZ = e.G[12], e.G[13], e.G[14]
    SX = [m.addr_add("10.7.1.0", i) for i in range(1, 11)]    # 10 sources
    SY = [m.addr_add("10.7.2.0", i) for i in range(1, 13)]    # 12
    SZ = [m.addr_add("10.7.3.0", i) for i in range(1, 21)]    # 20
    fit = IGMP.fit(68)                                         # 7
    step("IGMP mtu68: MTU 68 with joins and a general query in progress")
    e.setup((GX, "include", SX), (GY, "exclude", SY))
    before = e.current()
    c0 = e.ctr()
    tq = e.q(mrt=1.0)                            # RV 2 from now on
    # The MTU changes at some time while `ip` runs: a packet sent in
    # [tpre, t68) may have been built at either MTU.
    tpre = time.time()
    ip("link set h0 mtu 68", ns=NS)
    t68 = time.time()
    e.join(GZ, "include", SZ)
    time.sleep(1.0 + URI + LATE)
    ps = e.pkts(tq)
    for p in ps:
        check(p.kind() == "v3" and p.iplen <= (1500 if p.t < t68 else 68),
              "a report of %d bytes at MTU %d: %r" % (
                  p.iplen, 1500 if p.t < t68 else 68, p))
    allow = [r for r in m.records(ps) if r[:2] == (ALLOW, GZ)]
    eq(sorted(s for r in allow for s in r[2]), sorted(SZ * 2),
       "ALLOW records for GZ (20 sources, split to fit, RV=2 times)")
    gen = [p for p in ps if any(r[0] in (IS_IN, IS_EX) for r in p.records)]
    if gen and all(p.t < tpre for p in gen):
        log("the general response left before the MTU change")
        eq([sorted(m.records(gen))], [before], "general response at 1500")
    elif gen and all(p.t < t68 for p in gen) and \
            sorted(m.records(gen)) == before:
        log("the general response left while the MTU changed, built at 1500")
    else:
        check_split(e, m.records(gen), fit, "general response after the "
                    "MTU change", [GZ])
    eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "snd_* at MTU 68")
    tw = m.TaintWatch()
    step("IGMP mtu68: a general query at MTU 68")
    c0 = e.ctr()
    tq = e.q(mrt=1.0)
    time.sleep(1.0 + LATE)
    ps = e.pkts(tq)
    check(all(p.kind() == "v3" and p.iplen <= 68 for p in ps), "%r" % ps)
    check_split(e, m.records(ps), fit, "general response at MTU 68")
    eq(e.cdelta(c0, m.SND + ("snd_truncated",)),
       dict(m.snd_expect(ps), snd_truncated=1), "counters at MTU 68")
    step("IGMP mtu68: leaves and a TO_EX at MTU 68, then 1500 again")
    r = e.leave(GZ)
    e.leave(GY)
    time.sleep(URI + LATE)
    recs = m.records(e.pkts(r.t0))
    eq(sorted(s for r in recs if r[:2] == (BLOCK, GZ) for s in r[2]),
       sorted(SZ * 2), "BLOCK records for GZ (split, RV=2 times)")
    eq([r for r in recs if r[1] == GY], [rec(TO_IN, GY)] * 2, "TO_IN{} GY")
    c0 = e.ctr()
    r = e.join(GY, "exclude", SY)
    time.sleep(URI + LATE)
    recs = m.records(e.pkts(r.t0))
    eq([(x[0], x[1], len(x[2])) for x in recs], [(TO_EX, GY, fit)] * 2,
       "EXCLUDE{12 sources} at MTU 68: TO_EX truncated to the %d sources "
       "that fit, RV=2 times" % fit)
    check(all(set(x[2]) <= set(SY) for x in recs), "unknown sources")
    eq(e.cdelta(c0, ["snd_truncated"]), {"snd_truncated": 2},
       "snd_truncated after 2 truncated TO_EX records")
    unsolicited(e, lambda: e.leave(GY), [rec(TO_IN, GY)], "leave GY")
    e.setup((GX,))
    ip("link set h0 mtu 1500", ns=NS)
    # Under 1280 bytes IPv6 went from h0, with its address.
    ip("addr add %s/64 dev h0 nodad" % PLAN[MLD]["h"], ns=NS)
    query(e, e.current(), "general query at MTU 1500 again")
    tw.check("at MTU 68")


def check_split(e, recs, fit, what, maybe=()):
    """A general response at a small MTU: whole records for the small
    groups, big IS_IN ones split, big IS_EX ones truncated to fit."""
    by = {}
    for r in recs:
        by.setdefault(r[1], []).append(r)
    for g in set(by) | set(e.reportable()) - set(maybe):
        md, srcs = e.state[g]
        got = by.get(g, [])
        if len(srcs) <= fit:
            eq(got, [rec(IS_IN if md == "include" else IS_EX, g, srcs)],
               "%s: the record of %s" % (what, g))
        elif md == "include":
            eq(({r[0] for r in got}, sorted(s for r in got for s in r[2])),
               ({IS_IN}, sorted(srcs)), "%s: %s split" % (what, g))
        else:
            eq([(r[0], len(r[2])) for r in got], [(IS_EX, fit)],
               "%s: %s truncated" % (what, g))
            check(set(got[0][2]) <= set(srcs), "unknown sources")


# -------------------------------------------------------------- link-local

def phase_linklocal(e):
    step("%s linklocal: report_link_local=1" % e.f)
    g = e.a["ll2"]
    m.write_param("report_link_local", 1)
    unsolicited(e, lambda: e.join(g), [rec(TO_EX, g)], "join %s" % g)
    query(e, e.current(ll=True), "a general query reports the link-local "
          "groups too", mrt=0)
    unsolicited(e, lambda: e.leave(g), [rec(TO_IN, g)], "leave %s" % g)
    m.write_param("report_link_local", 0)
    query(e, e.current(), "general query with report_link_local=0", mrt=0)


PHASES = [phase_changes, phase_bad, phase_compat, phase_suppress, phase_v1, phase_maxver, phase_mtu68, phase_linklocal]


if __name__ == "__main__":
    m.main(lambda: run(PHASES))
