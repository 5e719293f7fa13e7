#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t91-mld-scapy: mchost's MLD engine against a scapy querier.

mchost runs in netns h: h0 has only the link-local address fe80::2 (nodad)
and `arp off`, so the stock stack joins no solicited-node group and sends
no MLD at all: every MLD packet leaving h0 is mchost's. netns p (p0, the
veth peer, IPv6 disabled) is the querier (fe80::1): it sends queries built
with scapy (hop limit 1, Hop-by-Hop Router Alert 0; malformed ones with
mclib's raw builders) through an AF_PACKET socket and captures everything
h sends with another one. Every report is parsed from raw bytes; records
and source lists are compared exactly. Module parameters: robustness=3,
unsolicited_report_interval_ms=300, coalesce_ms=20.

  A  unsolicited state-change reports (RFC 9777 §6.1): each join / filter
     change / leave is sent exactly RV (3) times, the first at once, then
     within (0, URI]; ff02::/16 groups are reported only with
     report_link_local=1, ff02::1 and scopes 0/1 cannot be joined; a hold
     owner's filter merged with the persistent one; link down: nothing
     sent, up: every membership announced again RV times (and a join right
     after the up too); the source is the link-local address, :: while
     none is usable (h1: tentative); robustness written at runtime applies
     until a querier sets RV; an MLDv1 query on a device that heard no
     MLDv2 querier: v1 mode for RV(param)*125 s+MRT
  B  MLDv2 queries: general (one packet with every group), Max Resp Code 0
     (at once), address-specific, address-and-source-specific (IS_IN of the
     right set, nothing when empty), all within the Max Resp Delay; pending
     responses merged (RFC 9777 §6.2), more than 8 address-and-source
     queries per group and second rate-limited, a leave while a general
     response is pending; QRV / QQIC / Max Resp Code (16-bit, exponential
     form) adopted as the interfaces columns show; an IGMPv2 querier
     leaves MLD alone
  C  queries from a global source or ::, with hop limit 2 or 255, without
     Router Alert: ignored (no report, no mode change), each counted in
     rcv_badsrc / rcv_badhoplimit / rcv_nora
  D  30 malformed MLD messages: each counted in exactly its reason counter
     and nothing else, nothing sent, memberships, ip maddr and mld_version
     unchanged
  E  an MLDv2 query with QRV 1 / QQIC 1, then an MLDv1 general query with 5
     groups: exactly 5 MLDv1 reports, one per group, to the group; v1 mode
     (mld_version 1, `ifaces -d`) for RV*QI+MRT = 2 s, then MLDv2 again (a
     join sends one MLDv2 report: RV is now 1)
  F  an MLDv1 query right after a join stops its MLDv2 retransmissions; in
     MLDv1 mode: address-specific v1 query, unsolicited v1 reports, Done to
     ff02::2 only when we reported last (also for a join + leave at once),
     suppression by another host's v1 report, an MLDv2 query answered with
     v1 reports; no suppression in MLDv2 mode
  G  mld_max_version=1 forces MLDv1 at once (a pending MLDv2 response is
     cancelled, a leave sends Done), 2 brings MLDv2 back

Checks that fail on a module defect are collected and reported together
at the end, so that one defect does not hide the others.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, IS_EX, IS_IN, TO_EX, TO_IN, check, ctl, eq,
                   fail, ip, log, rec6, step)

NS, PEER = "h", "p"
H_LL, Q_LL, OTHER_LL = "fe80::2", "fe80::1", "fe80::99"
H1_LL = "fe80::3"
GLOBAL = "2001:db8::1"
URI = 0.3          # unsolicited_report_interval_ms=300
RV0 = 3            # robustness=3
SLACK = 0.25       # timer and scheduling slack under TCG (seconds)
LATE = 0.6         # how late a packet may be (a busy host stalls the VM)
WAIT = 2.0         # extra patience when waiting for packets
V1, V1DONE, V2 = m.MLD_V1_REPORT, m.MLD_DONE, m.MLD_V2_REPORT

S = ["2001:db8:5::%d" % i for i in range(10)]      # S[1]..S[9]
G1, G2, G3, G4 = "ff0e::5:1", "ff0e::5:2", "ff3e::5:3", "ff0e::5:4"
GA, GB, GC, GD, GE = ("ff0e::a:%d" % i for i in range(1, 6))
GF, GG, GH, GI, GJ, GK = ("ff0e::a:%d" % i for i in range(6, 12))
GN = "ff0e::dead"          # never joined
G5, G6, G7, G8, G9 = ("ff0e::5:%d" % i for i in range(5, 10))
GL2 = "ff02::4321"
GL = "ff02::1234"          # link-local scope: never reported
GS = "ff05::5"             # site-local scope: reported


class Env:
    def __init__(self):
        self.S = m.scapy_layers()
        self.cap = m.MldCapture("p0", PEER)
        self.tx = m.L2Sender("p0", PEER)
        self.mac = m.link_mac("p0", PEER)
        self.idx = m.ifindex("h0", NS)
        self.state = {}          # group -> (mode, sources): what h holds
        self.linkup_errors = 0
        self.maddr0 = set(m.maddr_links("h0", NS))

    # ------------------------------------------------------- sending
    def send(self, ip_bytes):
        t = time.monotonic()
        self.tx.send(m.frame6(ip_bytes, self.mac))
        return t

    def send_ip4(self, ip_bytes):
        t = time.monotonic()
        self.tx.send(m.frame4(ip_bytes, self.mac))
        return t

    def _ip(self, dst, src, hlim, ra):
        S = self.S
        p = S["IPv6"](src=src, dst=dst, hlim=hlim)
        if ra:
            p = p / S["IPv6ExtHdrHopByHop"](options=[S["RouterAlert"](
                value=0)])
        return p

    def q2(self, group="::", sources=(), mrd=1000, qrv=2, qqic=125,
           dst=None, src=Q_LL, hlim=1, ra=True):
        """An MLDv2 query built by scapy; returns the send time."""
        dst = dst or ("ff02::1" if group == "::" else group)
        p = self._ip(dst, src, hlim, ra) / self.S["ICMPv6MLQuery2"](
            mrd=mrd, mladdr=group, QRV=qrv, QQIC=qqic,
            sources=list(sources))
        b = bytes(p)
        hl = 48 if ra else 40
        check(len(b) - hl == 28 + 16 * len(sources),
              "scapy MLDv2 query of %d bytes" % (len(b) - hl))
        return self.send(b)

    def q1(self, group="::", mrd=1000, dst=None, src=Q_LL, hlim=1, ra=True):
        """An MLDv1 query (24 bytes) built by scapy."""
        dst = dst or ("ff02::1" if group == "::" else group)
        p = self._ip(dst, src, hlim, ra) / self.S["ICMPv6MLQuery"](
            mrd=mrd, mladdr=group)
        b = bytes(p)
        check(len(b) - (48 if ra else 40) == 24,
              "scapy MLDv1 query of %d bytes" % len(b))
        return self.send(b)

    def other_report(self, group):
        """Another host's MLDv1 report for group."""
        p = self._ip(group, OTHER_LL, 1, True) / self.S["ICMPv6MLReport"](
            mladdr=group)
        return self.send(bytes(p))

    # -------------------------------------------------- memberships
    def join(self, group, mode=None, sources=()):
        ctl(m.join_args("h0", group, mode, sources), ns=NS)
        self.state[m.canon(group)] = (mode or ("include" if sources else
                                               "exclude"),
                                      m.sort_sources(sources))

    def leave(self, group):
        ctl(["leave", "dev", "h0", "group", group], ns=NS)
        self.state.pop(m.canon(group), None)

    def members(self):
        return [m.Member("h0", g, mo, s, ifindex=self.idx)
                for g, (mo, s) in self.state.items()]

    def check_members(self, what):
        m.expect_members(self.members(), ns=NS, what=what, do_json=False)
        eq(set(m.maddr_links("h0", NS)),
           self.maddr0 | {m.mcast_mac(g) for g in self.state},
           "%s: ip maddr of h0 (link-layer addresses)" % what)

    def reportable(self):
        return sorted(g for g in self.state if not g.startswith("ff02:"))

    def current_recs(self, groups=None):
        """The IS_IN / IS_EX records of the current state."""
        out = []
        for g, (mo, s) in sorted(self.state.items()):
            if g.startswith("ff02:") or (groups and g not in groups):
                continue
            out.append(rec6(IS_IN if mo == "include" else IS_EX, g, s))
        return sorted(out)

    # -------------------------------------------------- capture
    def pkts(self, since, until=None):
        return self.cap.get(since, until)

    def quiet(self, since, until, what):
        ps = self.pkts(since, until)
        check(not ps, "%s: h sent MLD packets: %r" % (what, ps))


DEFERRED = []


def with_timeout(fn):
    """Run a wait; a timeout is not a failure by itself (the caller's exact
    checks on what arrived follow)."""
    try:
        fn()
    except m.TestFail:
        pass


def soft(fn):
    """Run a check; a failure is reported at the end of the test, so that
    the checks after it still run."""
    try:
        fn()
    except m.TestFail as e:
        log("DEFERRED FAILURE: %s" % e)
        DEFERRED.append(str(e))


def ctr():
    return m.counters(NS)["mld"]


def cdelta(before, names=None):
    now = ctr()
    d = {k: now[k] - before[k] for k in now}
    return {k: d[k] for k in names} if names else d


SND = ("snd_reports", "snd_v1_reports", "snd_v2_reports", "snd_leaves",
       "snd_v3_reports", "snd_errors")


def snd_expect(pkts, errors=0):
    """The snd_* counter changes that the captured packets imply."""
    k = [p.type for p in pkts]
    return {"snd_reports": len(pkts), "snd_v1_reports": 0,
            "snd_v2_reports": k.count(V1), "snd_leaves": k.count(V1DONE),
            "snd_v3_reports": k.count(V2), "snd_errors": errors}


def framing(pkts, what, src=H_LL):
    for i, p in enumerate(pkts):
        m.check_report_ip6(p, src, "%s: packet %d" % (what, i))


def wait_version(want, timeout, what):
    return m.wait_for(lambda: m.mld_version("h0", NS) == want, timeout,
                      "mld_version %d (%s)" % (want, what), interval=0.02)


# ---------------------------------------------------------------- A

def unsolicited(e, action, exp_recs, what, rv=RV0, uri=URI, kind=V2,
                dst=None):
    """Run action(); exactly rv reports follow (MLDv2: each with exactly
    the records exp_recs; MLDv1: for the group exp_recs), the first at
    once and each next within (0, uri]."""
    c0 = ctr()
    t0 = time.monotonic()
    action()
    t1 = time.monotonic()
    if rv:
        with_timeout(lambda: e.cap.wait(lambda ps: len(ps) >= rv,
                                        WAIT + rv * (uri + SLACK), "",
                                        since=t0))
    # Anything beyond rv would come within another URI.
    time.sleep(uri + SLACK + 0.1)
    t2 = time.monotonic()
    ps = e.pkts(t0, t2)
    eq(len(ps), rv, "%s: number of reports sent (RV=%d): %r" %
       (what, rv, ps))
    framing(ps, what)
    for i, p in enumerate(ps):
        eq(p.type, kind, "%s: report %d type: %r" % (what, i, p))
        if kind == V2:
            eq(sorted(m.mld_records([p])), sorted(exp_recs),
               "%s: records of report %d of %d" % (what, i + 1, rv))
        else:
            eq(m.canon(p.group), m.canon(exp_recs), "%s: group of report %d"
               % (what, i))
    if ps:
        check(ps[0].t - t1 <= LATE,
              "%s: the first report came %.3fs after the command returned "
              "(must be at once)" % (what, ps[0].t - t1))
    gaps = [round(b.t - a.t, 3) for a, b in zip(ps, ps[1:])]
    for g in gaps:
        check(0 < g <= uri + LATE, "%s: retransmission gaps %s s must be in "
              "(0, URI=%.1f] (+%.2f slack)" % (what, gaps, uri, LATE))
    eq(cdelta(c0, SND), snd_expect(ps), "%s: snd_* counters" % what)
    log("%s: %d reports, gaps %s" % (what, len(ps), gaps))
    return ps


def phase_a(e):
    step("A: unsolicited reports, RV=%d, URI=%.1fs" % (RV0, URI))
    unsolicited(e, lambda: e.join(G1, "include", [S[1], S[2]]),
                [rec6(ALLOW, G1, [S[1], S[2]])], "join G1 INCLUDE{S1,S2}")
    unsolicited(e, lambda: e.join(G1, "include", [S[2], S[3]]),
                [rec6(ALLOW, G1, [S[3]]), rec6(BLOCK, G1, [S[1]])],
                "re-join G1 INCLUDE{S2,S3} (replaces the filter)")
    unsolicited(e, lambda: e.join(G2), [rec6(TO_EX, G2)], "join G2 (ASM)")
    unsolicited(e, lambda: e.join(G3, "exclude", [S[4]]),
                [rec6(TO_EX, G3, [S[4]])], "join G3 EXCLUDE{S4}")
    unsolicited(e, lambda: e.join(G3, "exclude", [S[4], S[5]]),
                [rec6(BLOCK, G3, [S[5]])], "G3 -> EXCLUDE{S4,S5}")
    unsolicited(e, lambda: e.join(G3, "exclude", [S[5]]),
                [rec6(ALLOW, G3, [S[4]])], "G3 -> EXCLUDE{S5}")
    unsolicited(e, lambda: e.join(G1, "exclude", [S[3]]),
                [rec6(TO_EX, G1, [S[3]])], "G1 INCLUDE -> EXCLUDE{S3}")
    unsolicited(e, lambda: e.join(G3, "include", [S[6]]),
                [rec6(TO_IN, G3, [S[6]])], "G3 EXCLUDE -> INCLUDE{S6}")
    unsolicited(e, lambda: e.leave(G2), [rec6(TO_IN, G2)],
                "leave G2 (from EXCLUDE{})")
    unsolicited(e, lambda: e.leave(G1), [rec6(TO_IN, G1)],
                "leave G1 (from EXCLUDE{S3})")
    unsolicited(e, lambda: e.leave(G3), [rec6(BLOCK, G3, [S[6]])],
                "leave G3 (from INCLUDE{S6})")
    unsolicited(e, lambda: e.join(GL), [], "join %s (link-local scope, "
                "report_link_local=0)" % GL, rv=0)
    unsolicited(e, lambda: e.leave(GL), [], "leave %s" % GL, rv=0)
    unsolicited(e, lambda: e.join(GS), [rec6(TO_EX, GS)],
                "join %s (site-local scope)" % GS)
    unsolicited(e, lambda: e.leave(GS), [rec6(TO_IN, GS)],
                "leave %s" % GS)
    e.check_members("after phase A")
    phase_a_more(e)

    step("A: the source address: :: while the link-local one is tentative")
    cap1 = m.MldCapture("p1", PEER)
    m.sysctl(NS, "net.ipv6.conf.h1.accept_dad", 1)
    m.sysctl(NS, "net.ipv6.conf.h1.dad_transmits", 1)
    ip("addr add %s/64 dev h1" % H1_LL, ns=NS)
    t0 = time.monotonic()
    tent = ip(["-6", "addr", "show", "dev", "h1"], ns=NS).stdout
    ctl(m.join_args("h1", G4), ns=NS)
    still = "tentative" in ip(["-6", "addr", "show", "dev", "h1"],
                              ns=NS).stdout
    check("tentative" in tent and still,
          "fe80::3 on h1 should be tentative during the join:\n%s" % tent)
    mine = lambda p: p.type == V2 and \
        any(m.canon(r[1]) == G4 for r in p.records)        # noqa: E731
    cap1.wait(lambda ps: len([p for p in ps if mine(p)]) >= 1, 2,
              "a report for %s on h1" % G4, since=t0)
    p = [p for p in cap1.get(t0) if mine(p)][0]
    m.check_report_ip6(p, "::", "join on h1 while %s is tentative" % H1_LL)
    m.wait_for(lambda: "tentative" not in ip(
        ["-6", "addr", "show", "dev", "h1"], ns=NS).stdout, 5,
        "DAD of %s on h1 to end" % H1_LL, interval=0.1)
    time.sleep(2 * URI)
    t0 = time.monotonic()
    ctl(["leave", "dev", "h1", "group", G4], ns=NS)
    cap1.wait(lambda ps: len([p for p in ps if mine(p)]) >= 1, 2,
              "a report for %s on h1" % G4, since=t0)
    p = [p for p in cap1.get(t0) if mine(p)][0]
    m.check_report_ip6(p, H1_LL, "leave on h1 once %s is usable" % H1_LL)
    eq(m.mld_records([p]), [rec6(TO_IN, G4)], "leave on h1: records")
    time.sleep(RV0 * URI)

    step("A: robustness written at runtime applies until a querier sets RV")
    m.write_param("robustness", 2)
    t0 = time.monotonic()
    ctl(m.join_args("h1", G4), ns=NS)
    time.sleep(2 * (URI + SLACK) + URI)
    ps = [p for p in cap1.get(t0) if mine(p)]
    soft(lambda: eq([" ".join(m.rec_str(r) for r in m.mld_records([p]))
                     for p in ps], ["TO_EX(%s){}" % G4] * 2,
                    "join on h1 (no querier heard there) after robustness=2 "
                    "was written (it was %d at insmod): TO_EX{} RV=2 times"
                    % RV0))
    m.write_param("robustness", RV0)
    ctl(["leave", "dev", "h1", "group", G4], ns=NS)
    time.sleep(RV0 * (URI + SLACK))

    step("A: an MLDv1 query before any MLDv2 one: v1 mode for RV*QI+MRT "
         "with the defaults (robustness=%d, 125 s)" % RV0)
    tx1 = m.L2Sender("p1", PEER)
    tx1.send(m.frame6(m.ipv6(Q_LL, "ff02::1", 58, m.mld_v1(
        Q_LL, "ff02::1", 130, mrd=1000))))
    tq = time.monotonic()
    m.wait_for(lambda: m.mld_version("h1", NS) == 1, 1,
               "mld_version 1 on h1")
    st = m.proc_iface_state("h1", NS)
    left = st["mld_v2_querier_ms"]
    want = RV0 * 125000 + 1000
    check(want - 1000 * (time.monotonic() - tq) - 200 <= left <= want,
          "h1: mld_v2_querier_ms %d, expected about RV*QI+MRT = %d" %
          (left, want))
    eq({k: st[k] for k in ("mld_rv", "mld_qi_ms", "mld_qri_ms",
                           "mld_v1_querier_ms", "mld_version",
                           "igmp_version")},
       {"mld_rv": RV0, "mld_qi_ms": 125000, "mld_qri_ms": 1000,
        "mld_v1_querier_ms": 0, "mld_version": 1, "igmp_version": 3},
       "h1's state after an MLDv1 query")
    eq(m.mld_version("h0", NS), 2, "h0's mld_version (MLDv1 query on h1)")
    tx1.close()
    cap1.close()


def phase_a_more(e):
    step("A: ff02::1 and scopes 0/1 cannot be joined; report_link_local=1")
    for g in ("ff02::1", "ff01::1", "ff01::5", "ff00::5", "ff10::5"):
        m.ctl_error(m.join_args("h0", g), ns=NS)
    m.write_param("report_link_local", 1)
    unsolicited(e, lambda: e.join(GL2), [rec6(TO_EX, GL2)],
                "join %s with report_link_local=1" % GL2)
    unsolicited(e, lambda: e.leave(GL2), [rec6(TO_IN, GL2)],
                "leave %s with report_link_local=1" % GL2)
    m.write_param("report_link_local", 0)

    step("A: two owners: a hold process's EXCLUDE{S1} merged with a "
         "persistent INCLUDE{S1,S2}")
    unsolicited(e, lambda: e.join(G5, "include", [S[1], S[2]]),
                [rec6(ALLOW, G5, [S[1], S[2]])], "join G5 INCLUDE{S1,S2}")
    holder = []

    def owners(n):
        return m.wait_for(lambda: [ln for ln in m.show_lines(NS) if
                                   " %s " % G5 in ln and
                                   ln.endswith("owners %d" % n)], 5,
                          "G5 with %d owner(s)" % n, interval=0.02)

    def start_hold():
        holder.append(m.spawn([m.CTL] + m.join_args(
            "h0", G5, "exclude", [S[1]], hold=True), ns=NS))
        owners(2)
    unsolicited(e, start_hold, [rec6(TO_EX, G5)],
                "hold EXCLUDE{S1} beside INCLUDE{S1,S2}: EXCLUDE{}")
    eq(owners(2), ["dev h0 group %s mode exclude owners 2" % G5],
       "G5 merged")

    def stop_hold():
        holder[0].kill()
        holder[0].wait(5)
        owners(1)
    unsolicited(e, stop_hold, [rec6(TO_IN, G5, [S[1], S[2]])],
                "the hold process killed: INCLUDE{S1,S2} again")
    unsolicited(e, lambda: e.leave(G5), [rec6(BLOCK, G5, [S[1], S[2]])],
                "leave G5 (from INCLUDE{S1,S2})")

    step("A: link down: nothing sent; up: every group announced again, "
         "and a join right after the up reported")
    e.join(G6, "include", [S[7]])
    e.join(G7)
    time.sleep(RV0 * (URI + SLACK))
    t0 = time.monotonic()
    ip("link set h0 down", ns=NS)
    e.join(G8, "exclude", [S[8]])
    time.sleep(0.5)
    e.quiet(t0, None, "h0 down, and a join while it is down")
    addrs = ip(["-6", "addr", "show", "dev", "h0"], ns=NS).stdout
    check(H_LL not in addrs, "%s should be gone while h0 is down:\n%s" %
          (H_LL, addrs))
    c0 = ctr()
    t0 = time.monotonic()
    ip("link set h0 up", ns=NS)
    # ... and a join right after it (IPv6 on h0 may not be ready yet)
    e.join(G9, "include", [S[9]])
    exp = sorted([rec6(ALLOW, G6, [S[7]]), rec6(TO_EX, G7),
                  rec6(TO_EX, G8, [S[8]]), rec6(ALLOW, G9, [S[9]])] * RV0)
    try:
        e.cap.wait(lambda ps: len(m.mld_records(ps)) >= len(exp),
                   1 + RV0 * (URI + SLACK), "the announcements after link "
                   "up", since=t0)
    except m.TestFail:
        pass
    time.sleep(URI + SLACK)
    ps = e.pkts(t0)
    d = cdelta(c0, SND)
    e.linkup_errors = d["snd_errors"]
    log("after link up: %r; snd_* counters %s" % (ps, d))
    # h0 has no link-local address now (addr_gen_mode 1): ::.
    framing(ps, "announcements after link up", src="::")
    soft(lambda: eq([m.rec_str(r) for r in sorted(m.mld_records(ps))],
                    [m.rec_str(r) for r in exp],
                    "announcements after `ip link set h0 up` (snd_* "
                    "counters %s): each membership's state-change record "
                    "RV times" % d))
    ip("addr add %s/64 dev h0 nodad" % H_LL, ns=NS)
    for g in (G6, G7, G8, G9):
        e.leave(g)
    time.sleep(RV0 * (URI + SLACK))


# ---------------------------------------------------------------- B

def query(e, sendfn, exp, what, mrt, n_pkts=None, c0=None):
    """sendfn() sends a query; within mrt (+ slack) h must send exactly the
    records exp (MLDv2), in n_pkts packets (default: 1 if exp else 0), and
    nothing after. c0: the counters from before the query."""
    c0 = c0 or ctr()
    t0 = sendfn()
    n_pkts = (1 if exp else 0) if n_pkts is None else n_pkts
    if n_pkts:
        # On a timeout the exact comparisons below say what came.
        with_timeout(lambda: e.cap.wait(lambda ps: len(ps) >= n_pkts,
                                        mrt + WAIT, "", since=t0))
    time.sleep(max(0, t0 + mrt + SLACK + 0.1 - time.monotonic()))
    ps = e.pkts(t0)
    framing(ps, what)
    eq(sorted(m.mld_records(ps)), sorted(exp), "%s: records sent" % what)
    eq(len(ps), n_pkts, "%s: packets sent (%r)" % (what, ps))
    eq([p.type for p in ps], [V2] * n_pkts, "%s: MLDv2 reports" % what)
    late = [round(p.t - t0, 3) for p in ps if p.t - t0 > mrt + LATE]
    eq(late, [], "%s: responses later than the Max Resp Delay %.1fs" %
       (what, mrt))
    d = cdelta(c0)
    eq({k: d[k] for k in SND}, snd_expect(ps), "%s: snd_* counters" % what)
    log("%s: %d packet(s) after %s s" % (what, len(ps),
                                         [round(p.t - t0, 3) for p in ps]))
    return d


def phase_b(e):
    step("B: MLDv2 queries")
    e.join(GA, "include", [S[1], S[2], S[3]])
    e.join(GB, "exclude", [S[2], S[4]])
    e.join(GC)
    e.join(GL)
    time.sleep(RV0 * (URI + SLACK))     # the unsolicited reports are done
    e.check_members("before phase B")
    d = query(e, lambda: e.q2(mrd=1000), e.current_recs(),
              "general query (MRD 1 s)", 1.0)
    eq({k: d[k] for k in ("qry_v3", "qry_general", "rcv_queries")},
       {"qry_v3": 1, "qry_general": 1, "rcv_queries": 1},
       "general query: counters")
    query(e, lambda: e.q2(mrd=0), e.current_recs(),
          "general query with Max Resp Code 0 (at once)", 0.0)
    query(e, lambda: e.q2(GA, mrd=500), [rec6(IS_IN, GA, S[1:4])],
          "address-specific query for GA", 0.5)
    d = query(e, lambda: e.q2(GB, mrd=500), [rec6(IS_EX, GB, [S[2], S[4]])],
              "address-specific query for GB", 0.5)
    eq({k: d[k] for k in ("qry_v3", "qry_group", "qry_general")},
       {"qry_v3": 1, "qry_group": 1, "qry_general": 0},
       "address-specific query: counters")
    query(e, lambda: e.q2(GC, mrd=500), [rec6(IS_EX, GC)],
          "address-specific query for GC (ASM)", 0.5)
    query(e, lambda: e.q2(GN, mrd=0), [], "address-specific query for a "
          "group not joined", 0.5)
    query(e, lambda: e.q2(GL, mrd=0), [], "address-specific query for %s "
          "(link-local scope, not reported)" % GL, 0.5)
    d = query(e, lambda: e.q2(GA, [S[1], S[5]], mrd=500),
              [rec6(IS_IN, GA, [S[1]])],
              "GA INCLUDE{S1,S2,S3} asked {S1,S5}: IS_IN(filter & asked)",
              0.5)
    eq({k: d[k] for k in ("qry_v3", "qry_group_source", "qry_group")},
       {"qry_v3": 1, "qry_group_source": 1, "qry_group": 0},
       "address-and-source-specific query: counters")
    query(e, lambda: e.q2(GA, [S[5], S[6]], mrd=0), [],
          "GA INCLUDE{S1,S2,S3} asked {S5,S6}: nothing", 0.5)
    query(e, lambda: e.q2(GA, [S[3], S[2], S[3]], mrd=0),
          [rec6(IS_IN, GA, [S[2], S[3]])],
          "GA asked {S3,S2,S3} (a source twice): IS_IN{S2,S3}", 0.0)
    query(e, lambda: e.q2(GB, [S[2], S[3], S[5]], mrd=500),
          [rec6(IS_IN, GB, [S[3], S[5]])],
          "GB EXCLUDE{S2,S4} asked {S2,S3,S5}: IS_IN(asked - filter)", 0.5)
    query(e, lambda: e.q2(GB, [S[4], S[2]], mrd=0), [],
          "GB EXCLUDE{S2,S4} asked {S4,S2}: nothing", 0.5)
    query(e, lambda: e.q2(GC, [S[7]], mrd=0), [rec6(IS_IN, GC, [S[7]])],
          "GC EXCLUDE{} asked {S7}: IS_IN{S7}", 0.0)
    phase_b_pending(e)
    phase_b_params(e)
    e.check_members("after phase B")
    eq(m.mld_version("h0", NS), 2, "mld_version after phase B")


def twice(e, first, second, exp, what, mrt):
    """first() and second() send two queries back to back; one response
    with exactly the records exp must follow (RFC 9777 §6.2 rules 3-5).
    Retried when h answered the first query before the second was sent."""
    for attempt in range(4):
        c0 = ctr()
        t0 = first()
        t1 = second()
        early = e.pkts(t0, t1 + 0.02)
        if early:
            log("%s: answered before the second query (%r); again" %
                (what, early))
            time.sleep(mrt + SLACK)
            continue
        return query(e, lambda: t0, exp, what, mrt, c0=c0)
    fail("%s: h answered the first query before the second 4 times" % what)


def phase_b_pending(e):
    step("B: pending responses: source lists merge, a group query wins")
    twice(e, lambda: e.q2(GA, [S[1]], mrd=1500),
          lambda: e.q2(GA, [S[2], S[5]], mrd=1500),
          [rec6(IS_IN, GA, [S[1], S[2]])],
          "GA asked {S1}, then {S2,S5} while pending: one IS_IN{S1,S2}", 1.5)
    twice(e, lambda: e.q2(GA, [S[1]], mrd=1500),
          lambda: e.q2(GA, mrd=1500), [rec6(IS_IN, GA, S[1:4])],
          "GA asked {S1}, then an address-specific query: one IS_IN of "
          "the whole state", 1.5)
    twice(e, lambda: e.q2(GB, mrd=1500),
          lambda: e.q2(GB, [S[3]], mrd=1500),
          [rec6(IS_EX, GB, [S[2], S[4]])],
          "GB address-specific query, then one asking {S3}: one IS_EX of "
          "the whole state", 1.5)

    step("B: more than 8 address-and-source queries per group and second")
    q = m.frame6(bytes(e._ip(GC, Q_LL, 1, True) / e.S["ICMPv6MLQuery2"](
        mrd=2000, mladdr=GC, QRV=2, QQIC=125, sources=[S[7]])), e.mac)
    for attempt in range(4):
        c0 = ctr()
        t0 = time.monotonic()
        for i in range(10):
            e.tx.send(q)
        t1 = time.monotonic()
        if not e.pkts(t0, t1 + 0.02):
            break
        log("answered before the 10th query; again")
        time.sleep(2.0 + SLACK)
    else:
        fail("answered before the 10th query 4 times")
    query(e, lambda: t0, [rec6(IS_IN, GC, [S[7]])],
          "10 queries for GC asking {S7} within %.3fs: one response" %
          (t1 - t0), 2.0, c0=c0)
    eq(cdelta(c0, ["rcv_queries", "qry_group_source", "qry_ratelimited"]),
       {"rcv_queries": 10, "qry_group_source": 10, "qry_ratelimited": 2},
       "10 address-and-source queries for one group within a second: "
       "counters")

    step("B: a leave while a general response is pending")
    e.join(GF)
    time.sleep(2 * (URI + SLACK))
    for attempt in range(4):
        t0 = e.q2(mrd=1500)
        e.leave(GF)
        t1 = time.monotonic()
        early = [p for p in e.pkts(t0, t1) if
                 any(r[0] == IS_EX for r in p.records)]
        if not early:
            break
        log("the general response came before the leave (%r); again" %
            early)
        time.sleep(1.5 + SLACK)
        e.join(GF)
        time.sleep(2 * (URI + SLACK))
    else:
        fail("the general response came before the leave 4 times")
    time.sleep(max(0, t0 + 1.5 + SLACK - time.monotonic()))
    ps = e.pkts(t0)
    gen = [p for p in ps if any(r[0] in (IS_IN, IS_EX) for r in p.records)]
    chg = [p for p in ps if p not in gen]
    eq([sorted(m.mld_records([p])) for p in gen], [e.current_recs()],
       "the general response after GF's leave: the state at the time of "
       "sending, without GF")
    eq([m.mld_records([p]) for p in chg], [[rec6(TO_IN, GF)]] * 2,
       "GF's leave: TO_IN{} RV (2) times")


def phase_b_params(e):
    step("B: QRV, QQIC and Max Resp Code adopted (interfaces columns)")

    def adopted(qrv, qqic, mrd, exp, what):
        e.q2(GN, mrd=mrd, qrv=qrv, qqic=qqic)
        m.wait_for(lambda: {k: m.proc_iface_state("h0", NS)[k]
                            for k in exp} == exp, 2,
                   "%s: %s in interfaces (now %s)" % (
                       what, exp, {k: m.proc_iface_state("h0", NS)[k]
                                   for k in exp}), interval=0.02)
    adopted(5, 0x81, 0x8000, {"mld_rv": 5, "mld_qi_ms": 136000,
                              "mld_qri_ms": 32768},
            "QRV 5, QQIC 0x81 (136 s), MRC 0x8000 (32768 ms)")
    adopted(0, 0xff, 0xffff, {"mld_rv": RV0, "mld_qi_ms": 31744000,
                              "mld_qri_ms": 8387584},
            "QRV 0 (the default, robustness=%d), QQIC 0xff (31744 s), MRC "
            "0xffff (8387584 ms)" % RV0)
    adopted(7, 127, 32767, {"mld_rv": 7, "mld_qi_ms": 127000,
                            "mld_qri_ms": 32767},
            "QRV 7, QQIC 127, MRC 32767 (literal)")
    adopted(3, 0, 1000, {"mld_rv": 3, "mld_qi_ms": 125000,
                         "mld_qri_ms": 1000}, "QRV 3, QQIC 0 (the default)")
    adopted(2, 125, 1000, {"mld_rv": 2, "mld_qi_ms": 125000,
                           "mld_qri_ms": 1000}, "QRV 2, QQIC 125, MRC 1000")
    st = m.proc_iface_state("h0", NS)
    eq({k: st[k] for k in ("mld_version", "mld_v1_querier_ms",
                           "mld_v2_querier_ms", "mld_general_ms")},
       {"mld_version": 2, "mld_v1_querier_ms": 0, "mld_v2_querier_ms": 0,
        "mld_general_ms": 0}, "h0's MLD timers after only MLDv2 queries")
    c = m.counters(NS)
    eq((c["igmp"]["rcv_total"], c["igmp"]["snd_reports"]), (0, 0),
       "IGMP received / sent on h (none so far)")
    step("B: an IGMPv2 querier leaves MLD alone")
    t0 = e.send_ip4(m.ipv4("10.0.0.1", "224.0.0.1",
                           m.igmp_v12(0x11, 10, "0.0.0.0")))
    m.wait_for(lambda: m.proc_iface_state("h0", NS)["igmp_version"] == 2, 1,
               "igmp_version 2 after an IGMPv2 query")
    eq(m.mld_version("h0", NS), 2, "mld_version after an IGMPv2 query")
    time.sleep(1.0 + SLACK)
    e.quiet(t0, None, "after an IGMPv2 query (h holds no IPv4 group)")


# ---------------------------------------------------------------- C

def phase_c(e):
    step("C: queries from a global source, hop limit != 1, no Router Alert")
    cases = [
        ("MLDv2 general query from a global source",
         lambda: e.q2(mrd=0, src=GLOBAL), "rcv_badsrc"),
        ("MLDv2 address-specific query from a global source",
         lambda: e.q2(GA, mrd=0, src=GLOBAL), "rcv_badsrc"),
        ("MLDv1 general query from a global source",
         lambda: e.q1(mrd=0, src=GLOBAL), "rcv_badsrc"),
        ("MLDv2 general query from ::", lambda: e.q2(mrd=0, src="::"),
         "rcv_badsrc"),
        ("MLDv2 general query with hop limit 2",
         lambda: e.q2(mrd=0, hlim=2), "rcv_badhoplimit"),
        ("MLDv2 general query with hop limit 255",
         lambda: e.q2(mrd=0, hlim=255), "rcv_badhoplimit"),
        ("MLDv1 general query with hop limit 2",
         lambda: e.q1(mrd=0, hlim=2), "rcv_badhoplimit"),
        ("MLDv2 general query without Router Alert",
         lambda: e.q2(mrd=0, ra=False), "rcv_nora"),
        ("MLDv2 address-specific query without Router Alert",
         lambda: e.q2(GB, mrd=0, ra=False), "rcv_nora"),
        ("MLDv1 general query without Router Alert",
         lambda: e.q1(mrd=0, ra=False), "rcv_nora"),
    ]
    before = e.state.copy()
    for what, fn, reason in cases:
        inject(e, fn, reason, what)
    eq(e.state, before, "state")
    e.check_members("after the ignored queries")
    eq(m.mld_version("h0", NS), 2, "mld_version after the ignored MLDv1 "
       "queries")


def inject(e, fn, reason, what, wait=0.5):
    """fn() sends one message that must be counted in rcv_total and in
    reason only: no other counter (of either protocol) moves, nothing is
    sent within `wait` seconds, mld_version stays 2."""
    c0 = m.counters(NS)
    t0 = fn()
    m.wait_for(lambda: m.counters(NS)["mld"]["rcv_total"] >
               c0["mld"]["rcv_total"], 3, "%s to be counted" % what,
               interval=0.01)
    time.sleep(wait)
    m.expect_delta(c0, m.counters(NS), {"mld": {"rcv_total": 1, reason: 1}},
                   what)
    e.quiet(t0, None, what)
    eq(m.mld_version("h0", NS), 2, "%s: mld_version" % what)


# ---------------------------------------------------------------- D

def raw6(e, body_fn, dst, src=Q_LL, hlim=1, hbh=m.HBH_RA, frag=None):
    """Send a raw MLD packet; body_fn(src, dst) builds the ICMPv6 message."""
    return e.send(m.ipv6(src, dst, 58, body_fn(src, dst), hlim=hlim,
                         hbh=hbh, frag=frag))


def malformed_list():
    q2 = m.mld_v2_query
    rep2 = m.mld_v2_report

    def fixed(body):
        return lambda s, d: body

    def nopseudo(body):
        """Checksum over the message alone (no pseudo-header)."""
        b = body[:2] + b"\0\0" + body[4:]
        return fixed(b[:2] + struct.pack("!H", m.csum(b)) + b[4:])
    qbody = q2(Q_LL, "ff02::1", mrd=0)
    return [
        ("MLD query of 4 bytes",
         lambda s, d: m.icmp6_msg(s, d, bytes([130, 0, 0, 0])), "ff02::1",
         {}, "rcv_tooshort"),
        ("MLDv2 report of 6 bytes",
         lambda s, d: m.icmp6_msg(s, d, bytes([143, 0, 0, 0, 0, 0])),
         "ff02::16", {}, "rcv_tooshort"),
        ("MLDv1 report of 7 bytes",
         lambda s, d: m.icmp6_msg(s, d, bytes([131, 0, 0, 0, 0, 0, 0])),
         GA, {}, "rcv_tooshort"),
        ("MLDv2 general query, checksum off by one",
         lambda s, d: q2(s, d, mrd=0, bad_csum=True), "ff02::1", {},
         "rcv_badsum"),
        ("MLDv2 query for GA, checksum over the wrong pseudo-header "
         "(destination ff02::1 instead of GA)",
         fixed(q2(Q_LL, "ff02::1", GA, mrd=0)), GA, {}, "rcv_badsum"),
        ("MLDv2 general query, checksum without the pseudo-header",
         nopseudo(qbody), "ff02::1", {}, "rcv_badsum"),
        ("MLDv1 general query, checksum off by one",
         lambda s, d: m.mld_v1(s, d, 130, mrd=0, bad_csum=True), "ff02::1",
         {}, "rcv_badsum"),
        ("MLDv1 report for GA, checksum off by one",
         lambda s, d: m.mld_v1(s, d, 131, GA, bad_csum=True), GA,
         {"src": OTHER_LL}, "rcv_badsum"),
        ("MLDv2 report, checksum off by one",
         lambda s, d: rep2(s, d, [(2, GA, [])], bad_csum=True), "ff02::16",
         {"src": OTHER_LL}, "rcv_badsum"),
        ("MLDv1 Done, checksum over another source (pseudo-header)",
         fixed(m.mld_v1(Q_LL, "ff02::2", 132, GA)), "ff02::2",
         {"src": OTHER_LL}, "rcv_badsum"),
        ("MLD query of 25 bytes",
         lambda s, d: q2(s, d, mrd=0, trunc=25), "ff02::1", {},
         "rcv_badqueries"),
        ("MLD query of 26 bytes",
         lambda s, d: q2(s, d, mrd=0, trunc=26), "ff02::1", {},
         "rcv_badqueries"),
        ("MLD query of 27 bytes",
         lambda s, d: q2(s, d, mrd=0, trunc=27), "ff02::1", {},
         "rcv_badqueries"),
        ("MLD query of 20 bytes",
         lambda s, d: q2(s, d, mrd=0, trunc=20), "ff02::1", {},
         "rcv_badqueries"),
        ("MLDv2 query for GA: 2 sources announced, 1 present",
         lambda s, d: q2(s, d, GA, [S[1]], mrd=0, nsrc=2), GA, {},
         "rcv_badqueries"),
        ("MLDv2 query for GA: 65535 sources announced, 3 present",
         lambda s, d: q2(s, d, GA, S[1:4], mrd=0, nsrc=65535), GA, {},
         "rcv_badqueries"),
        ("MLDv2 query for GA: 1 source announced, 8 of its 16 bytes present",
         lambda s, d: q2(s, d, GA, [S[1]], mrd=0, trunc=36), GA, {},
         "rcv_badqueries"),
        ("MLDv2 query for the unicast address %s" % GLOBAL,
         lambda s, d: q2(s, d, GLOBAL, mrd=0), "ff02::1", {},
         "rcv_badqueries"),
        ("MLDv2 query for the link-local unicast address fe80::5",
         lambda s, d: q2(s, d, "fe80::5", mrd=0), "ff02::1", {},
         "rcv_badqueries"),
        ("MLDv1 query for the unicast address %s" % GLOBAL,
         lambda s, d: m.mld_v1(s, d, 130, GLOBAL, mrd=0), "ff02::1", {},
         "rcv_badqueries"),
        ("MLDv1 report for the unicast address %s" % GLOBAL,
         lambda s, d: m.mld_v1(s, d, 131, GLOBAL), GA, {"src": OTHER_LL},
         "rcv_badreports"),
        ("MLDv1 report for ::",
         lambda s, d: m.mld_v1(s, d, 131, "::"), GA, {"src": OTHER_LL},
         "rcv_badreports"),
        ("MLDv1 Done for the unicast address %s" % GLOBAL,
         lambda s, d: m.mld_v1(s, d, 132, GLOBAL), "ff02::2",
         {"src": OTHER_LL}, "rcv_badreports"),
        ("MLDv1 report of 20 bytes",
         lambda s, d: m.icmp6_msg(s, d, m.mld_v1(s, d, 131, GA)[:20]), GA,
         {"src": OTHER_LL}, "rcv_badreports"),
        ("MLDv2 report: record with 3 sources announced, 1 present",
         lambda s, d: rep2(s, d, [(1, GA, [S[1]], 3)]), "ff02::16",
         {"src": OTHER_LL}, "rcv_badreports"),
        ("MLDv2 report: 2 records announced, 1 present",
         lambda s, d: rep2(s, d, [(2, GA, [])], nrec=2), "ff02::16",
         {"src": OTHER_LL}, "rcv_badreports"),
        ("MLDv2 report: aux data length 2 (8 bytes), none present",
         lambda s, d: m.icmp6_msg(s, d, rep2(s, d, [(2, GA, [])])[:9] +
                                  b"\x02" + rep2(s, d, [(2, GA, [])])[10:]),
         "ff02::16", {"src": OTHER_LL}, "rcv_badreports"),
        ("MLDv2 report: a record for the unicast address %s" % GLOBAL,
         lambda s, d: rep2(s, d, [(2, GA, []), (4, GLOBAL, [])]),
         "ff02::16", {"src": OTHER_LL}, "rcv_badreports"),
        ("IPv6 first fragment (M set) carrying an MLDv2 general query",
         lambda s, d: q2(s, d, mrd=0), "ff02::1", {"frag": (0, True, 91)},
         "rcv_fragments"),
        ("IPv6 first fragment (M set) carrying an MLDv1 report for GA",
         lambda s, d: m.mld_v1(s, d, 131, GA), GA,
         {"frag": (0, True, 92), "src": OTHER_LL}, "rcv_fragments"),
    ]


def phase_d(e):
    step("D: 30 malformed MLD messages: counted, nothing changes")
    bad = malformed_list()
    eq(len(bad), 30, "number of malformed messages")
    show0 = m.show_lines(NS)
    ifaces0 = m.proc_interfaces(NS)
    maddr0 = sorted(m.maddr_links("h0", NS))
    t0 = time.monotonic()
    for what, fn, dst, kw, reason in bad:
        inject(e, lambda: raw6(e, fn, dst, **kw), reason, what, wait=0.15)
    # Malformed queries carry Max Resp Code 0: an accepted one would have
    # been answered at once; any late v1-mode effect shows here too.
    time.sleep(0.5)
    e.quiet(t0, None, "the 30 malformed messages")
    eq(m.show_lines(NS), show0, "`mchostctl show` after the malformed "
       "messages")
    eq(m.proc_interfaces(NS), ifaces0, "interfaces after the malformed "
       "messages (mld_version unchanged)")
    eq(sorted(m.maddr_links("h0", NS)), maddr0, "ip maddr of h0")
    # The valid queries are still answered.
    query(e, lambda: e.q2(GA, mrd=0), [rec6(IS_IN, GA, S[1:4])],
          "address-specific query for GA after the malformed messages", 0.0)


# ---------------------------------------------------------------- E

def v1_reports(e, sendfn, groups, what, mrt, done=(), c0=None):
    """sendfn() sends a query (or anything); within mrt (+ slack) exactly
    one MLDv1 report for each group in groups (to the group), and a Done
    (to ff02::2) for each group in done, must follow; nothing else.
    c0: the counters from before the query."""
    c0 = c0 or ctr()
    t0 = sendfn()
    n = len(groups) + len(done)
    if n:
        with_timeout(lambda: e.cap.wait(lambda ps: len(ps) >= n,
                                        mrt + WAIT, "", since=t0))
    time.sleep(max(0, t0 + mrt + SLACK + 0.1 - time.monotonic()))
    ps = e.pkts(t0)
    framing(ps, what)
    eq(sorted((p.type, m.canon(p.group), m.canon(p.dst)) for p in ps),
       sorted([(V1, m.canon(g), m.canon(g)) for g in groups] +
              [(V1DONE, m.canon(g), "ff02::2") for g in done]),
       "%s: MLDv1 messages (type, group, destination)" % what)
    late = [round(p.t - t0, 3) for p in ps if p.t - t0 > mrt + LATE]
    eq(late, [], "%s: reports later than the Max Resp Delay %.1fs" %
       (what, mrt))
    d = cdelta(c0)
    eq({k: d[k] for k in SND}, snd_expect(ps), "%s: snd_* counters" % what)
    log("%s: %d MLDv1 message(s) after %s s" % (
        what, len(ps), [round(p.t - t0, 3) for p in ps]))
    return t0, d


def phase_e(e):
    step("E: MLDv1 querier: v1 mode for RV*QI+MRT, then MLDv2 again")
    e.join(GD)
    e.join(GE, "include", [S[5]])
    time.sleep(2 * (URI + SLACK))
    eq(len(e.reportable()), 5, "reportable groups joined: %s" %
       e.reportable())
    query(e, lambda: e.q2(mrd=100, qrv=1, qqic=1), e.current_recs(),
          "MLDv2 general query with QRV 1, QQIC 1", 0.1)
    eq(m.mld_version("h0", NS), 2, "mld_version before the MLDv1 query")
    c0 = ctr()
    t0 = e.q1(mrd=1000)
    wait_version(1, 1.5, "right after an MLDv1 query")
    tv1 = time.monotonic()
    js = m.ctl_json(["-d", "ifaces", "dev", "h0"], ns=NS)
    st = m.proc_iface_state("h0", NS)
    check(isinstance(js, list) and len(js) == 1, "-j -d ifaces: %r" % js)
    eq({k: js[0].get(k) for k in ("mld_version", "mld_rv", "mld_qi_ms",
                                  "mld_qri_ms", "mld_v1_querier_ms")},
       {"mld_version": 1, "mld_rv": 1, "mld_qi_ms": 1000,
        "mld_qri_ms": 1000, "mld_v1_querier_ms": None},
       "`mchostctl -j -d ifaces dev h0` in MLDv1 mode (no "
       "mld_v1_querier_ms: MLD has no v1 querier)")
    check(abs(js[0].get("mld_v2_querier_ms", -9999) -
              st["mld_v2_querier_ms"]) < 500,
          "-j -d ifaces mld_v2_querier_ms %s vs /proc %d" %
          (js[0].get("mld_v2_querier_ms"), st["mld_v2_querier_ms"]))
    left = 2000 - 1000 * (time.monotonic() - t0)
    check(left - 300 <= st["mld_v2_querier_ms"] <= 2000 and
          st["mld_rv"] == 1 and st["mld_qi_ms"] == 1000,
          "after QRV 1 / QQIC 1 and an MLDv1 query with MRD 1 s: mld_rv "
          "%d (want 1), mld_qi_ms %d (want 1000), mld_v2_querier_ms %d "
          "(want RV*QI+MRT = 2000 minus the %.0f ms since the query)" % (
              st["mld_rv"], st["mld_qi_ms"], st["mld_v2_querier_ms"],
              2000 - left))
    v1_reports(e, lambda: t0, e.reportable(),
               "MLDv1 general query with 5 groups joined", 1.0, c0=c0)
    d = cdelta(c0)
    eq({k: d[k] for k in ("qry_v2", "qry_v3", "qry_general",
                          "snd_v2_reports", "snd_v3_reports")},
       {"qry_v2": 1, "qry_v3": 0, "qry_general": 1, "snd_v2_reports": 5,
        "snd_v3_reports": 0}, "MLDv1 general query: counters")
    # Older Version Querier Present Timeout: RV(1) * QI(1 s) + MRT(1 s).
    m.wait_for(lambda: m.mld_version("h0", NS) == 2, t0 + 3.5 -
               time.monotonic(), "mld_version 2 again after RV*QI+MRT = 2s",
               interval=0.02)
    tv2 = time.monotonic()
    log("mld_version 1 seen %.2fs after the MLDv1 query, 2 again after "
        "%.2fs" % (tv1 - t0, tv2 - t0))
    check(tv2 - t0 >= 2.0 - 0.05, "back to MLDv2 after only %.2fs (the "
          "Older Version Querier Present Timeout is RV*QI+MRT = 2s)" %
          (tv2 - t0))
    e.quiet(t0 + 1.0 + SLACK, None, "the rest of the MLDv1 period")
    unsolicited(e, lambda: e.join(GF), [rec6(TO_EX, GF)],
                "join GF in MLDv2 mode again (RV=1 from QRV 1)", rv=1)


# ---------------------------------------------------------------- F

def phase_f(e):
    step("F: MLDv1 mode: RV 2, QI 5 s; address-specific query first")
    query(e, lambda: e.q2(GA, mrd=100, qrv=2, qqic=5),
          [rec6(IS_IN, GA, S[1:4])],
          "MLDv2 address-specific query with QRV 2, QQIC 5", 0.1)
    # GK's join sends TO_EX{} twice (RV 2); an MLDv1 query right after
    # it ends MLDv2 mode: no MLDv2 report after the query (RFC 9777 §8.3).
    tj = time.monotonic()
    e.join(GK)
    c0 = ctr()
    tq = e.q1(GA, mrd=500)
    time.sleep(0.5 + SLACK + URI)
    ps = e.pkts(tj)
    framing(ps, "join GK, then an MLDv1 query")
    v2 = [p for p in ps if p.type == V2]
    eq([m.mld_records([p]) for p in v2], [[rec6(TO_EX, GK)]] * len(v2),
       "MLDv2 reports after the join of GK")
    check(1 <= len(v2) <= 2 and all(p.t < tq + 0.05 for p in v2),
          "join GK (RV 2), then an MLDv1 query %.3fs later: the MLDv2 "
          "reports must stop at the query: %r" % (tq - tj, v2))
    eq(sorted((p.type, m.canon(p.group)) for p in ps if p.type != V2),
       [(V1, GA)], "MLDv1 address-specific query for GA: one MLDv1 report")
    log("join GK + MLDv1 query after %.3fs: %r" % (tq - tj, ps))
    eq(m.mld_version("h0", NS), 1, "mld_version after an MLDv1 query")

    step("F: unsolicited MLDv1 reports and Done")
    unsolicited(e, lambda: e.join(GG), GG, "join GG in MLDv1 mode", rv=2,
                kind=V1)
    unsolicited(e, lambda: e.join(GG, "include", [S[1]]), GG,
                "GG -> INCLUDE{S1} in MLDv1 mode (no membership change)",
                rv=0, kind=V1)
    ps = unsolicited(e, lambda: e.leave(GG), GG, "leave GG in MLDv1 mode: "
                     "one Done", rv=1, kind=V1DONE)
    eq(m.canon(ps[0].dst), "ff02::2", "Done destination")
    unsolicited(e, lambda: e.join(GH, "include", [S[1]]), GH,
                "join GH INCLUDE{S1} in MLDv1 mode", rv=2, kind=V1)
    t0 = time.monotonic()
    e.join(GG)
    e.leave(GG)
    time.sleep(2 * (URI + SLACK))
    ps = e.pkts(t0)
    framing(ps, "join + leave of GG in MLDv1 mode")
    got = [(p.type, m.canon(p.group)) for p in ps]
    n1 = got.count((V1, GG))
    check(1 <= n1 <= 2 and got == [(V1, GG)] * n1 + [(V1DONE, GG)],
          "join GG and leave it at once in MLDv1 mode: 1 or 2 (RV) "
          "reports until the leave, then one Done and nothing after it: "
          "%r" % ps)

    step("F: suppression by another host's MLDv1 report")
    for attempt in range(3):
        c0 = ctr()
        t0 = e.q1(mrd=2000)
        e.other_report(GA)
        e.other_report(GB)
        ts = time.monotonic()
        early = [p for p in e.pkts(t0, ts)
                 if m.canon(p.group) in (GA, GB)]
        if early:
            log("attempt %d: h answered before the other host's report "
                "(%r); again" % (attempt, early))
            time.sleep(2.0 + SLACK)
            continue
        rest = [g for g in e.reportable() if g not in (GA, GB)]
        v1_reports(e, lambda: t0, rest, "MLDv1 general query (MRD 2 s), "
                   "GA and GB reported by another host", 2.0, c0=c0)
        d = cdelta(c0)
        eq({k: d[k] for k in ("snd_suppressed", "rcv_ourreports",
                              "rcv_reports")},
           {"snd_suppressed": 2, "rcv_ourreports": 2, "rcv_reports": 2},
           "suppression: counters")
        break
    else:
        fail("h answered before the other host's report 3 times")
    unsolicited(e, lambda: e.leave(GA), GA, "leave GA (another host "
                "reported last): no Done", rv=0, kind=V1DONE)
    unsolicited(e, lambda: e.leave(GC), GC, "leave GC (we reported "
                "last): one Done", rv=1, kind=V1DONE)

    step("F: an MLDv2 query in MLDv1 mode is answered with MLDv1 reports")
    t0, _ = v1_reports(e, lambda: e.q2(mrd=500, qrv=2, qqic=5),
                       e.reportable(), "MLDv2 general query in MLDv1 mode",
                       0.5)
    eq(m.mld_version("h0", NS), 1, "mld_version after an MLDv2 query in "
       "MLDv1 mode")
    # The last MLDv1 query was at tq; RV 2 * QI 5 s + MRT 2 s.
    step("F: back to MLDv2 after 12 s; no suppression there")
    m.wait_for(lambda: m.mld_version("h0", NS) == 2, 14, "mld_version 2 "
               "after the MLDv1 period", interval=0.1)
    for attempt in range(3):
        c0 = ctr()
        t0 = e.q2(GB, mrd=1500)
        e.other_report(GB)
        ts = time.monotonic()
        if e.pkts(t0, ts):
            time.sleep(1.5 + SLACK)
            continue
        query(e, lambda: t0, [rec6(IS_EX, GB, [S[2], S[4]])],
              "MLDv2 mode: another host's MLDv1 report does not suppress "
              "the response", 1.5, c0=c0)
        eq(cdelta(c0, ["snd_suppressed", "rcv_ourreports"]),
           {"snd_suppressed": 0, "rcv_ourreports": 1},
           "no suppression in MLDv2 mode: counters")
        break
    else:
        fail("h answered before the other host's report 3 times")
    e.check_members("after phase F")


# ---------------------------------------------------------------- G

def phase_g(e):
    step("G: mld_max_version=1 forces MLDv1 at once; 2 brings MLDv2 back")
    for attempt in range(4):
        t0 = e.q2(mrd=2000)
        m.write_param("mld_max_version", 1)
        t1 = time.monotonic()
        if not e.pkts(t0, t1):
            break
        log("the general response came before mld_max_version=1; again")
        m.write_param("mld_max_version", 2)
        time.sleep(2.0 + SLACK)
    else:
        fail("the general response came before mld_max_version=1 4 times")
    eq(m.mld_version("h0", NS), 1, "mld_version right after "
       "mld_max_version=1")
    time.sleep(max(0, t0 + 2.0 + SLACK - time.monotonic()))
    e.quiet(t0, None, "an MLDv2 general response pending when "
            "mld_max_version=1 was written (cancelled)")
    unsolicited(e, lambda: e.join(GI), GI, "join GI with mld_max_version=1",
                rv=2, kind=V1)
    v1_reports(e, lambda: e.q2(mrd=500), e.reportable(),
               "MLDv2 general query with mld_max_version=1", 0.5)
    unsolicited(e, lambda: e.leave(GI), GI, "leave GI with "
                "mld_max_version=1 (we reported last): one Done", rv=1,
                kind=V1DONE)
    m.write_param("mld_max_version", 2)
    soft(lambda: eq(m.mld_version("h0", NS), 2, "mld_version right after "
                    "mld_max_version=2 (no MLDv1 querier heard for 12 s)"))
    unsolicited(e, lambda: e.join(GJ), [rec6(TO_EX, GJ)],
                "join GJ with mld_max_version=2", rv=2)
    query(e, lambda: e.q2(mrd=0), e.current_recs(),
          "general query with mld_max_version=2", 0.0)

    # The module goes with a response pending (0x8000: within 32.768 s).
    e.q2(GJ, mrd=0x8000)


def setup():
    m.netns_add(NS)
    m.netns_add(PEER)
    for a, b in (("h0", "p0"), ("h1", "p1")):
        m.veth(a, NS, b, PEER, up=False)
        m.sysctl(PEER, "net.ipv6.conf.%s.disable_ipv6" % b, 1)
        ip("link set %s up" % b, ns=PEER)
    # h0: a link-local address at once, no solicited-node group (arp off):
    # the stock stack has nothing to report on h0.
    ip("link set h0 arp off", ns=NS)
    ip("addr add %s/64 dev h0 nodad" % H_LL, ns=NS)
    ip("link set h0 up", ns=NS)
    ip("link set h1 up", ns=NS)
    eq({a for a in m.maddr_inet("h0", NS) if ":" in a},
       {"ff02::1", "ff01::1"},
       "the stock stack's IPv6 groups on h0 (none it reports)")


def body():
    tw = m.TaintWatch()
    m.fresh_module("robustness=3", "unsolicited_report_interval_ms=300",
                   "coalesce_ms=20")
    setup()
    e = Env()
    time.sleep(0.3)
    e.quiet(None, None, "before any join")
    phase_a(e)
    phase_b(e)
    phase_c(e)
    phase_d(e)
    phase_e(e)
    phase_f(e)
    phase_g(e)
    c = m.check_stats_cli(NS)
    m.check_invariant(c, "at the end")
    eq(c["mld"]["snd_errors"] - e.linkup_errors, 0,
       "mld snd_errors (except those after link up, checked above)")
    log("mld counters: %s" % {k: v for k, v in c["mld"].items() if v})
    e.cap.close()
    tw.check()
    if DEFERRED:
        fail("%d deferred failure(s):\n%s" % (len(DEFERRED),
                                              "\n".join(DEFERRED)))


if __name__ == "__main__":
    m.main(body)
