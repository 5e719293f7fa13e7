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
"""
import os
import struct
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, FAMS, IGMP, IS_EX, IS_IN, MLD, TO_EX, TO_IN,
                   check, ctl, eq, fail, ip, log, rec, step)

NS, PEER = "h", "p"
URI, RV0 = 0.2, 3
LATE = 0.5          # how late a timer may fire when a loaded host stalls us
PARAMS = ("robustness=%d" % RV0, "coalesce_ms=20", "report_link_local=0") + \
    tuple("%s_unsolicited_report_interval=%d" % (v, URI * 1000)
          for v in ("igmpv2", "igmpv3", "mldv1", "mldv2"))
PLAN = {IGMP: dict(h="10.0.0.2", h1="10.0.1.2", q="10.0.0.1",
                   other="10.0.0.3", src="10.8.0.0", grp="239.3.0.0",
                   ll="224.0.0.251", ll2="224.0.0.252"),
        MLD: dict(h="fe80::2", h1="fe80::3", q="fe80::1", other="fe80::99",
                  src="2001:db8:5::", grp="ff0e::5:0", ll="ff02::1234",
                  ll2="ff02::4321")}
GLOBAL = "2001:db8::1"


class Env:
    """One family's view of the test: its addresses, groups, what h holds
    on h0, and the capture on p0 (shared by both families)."""

    def __init__(self, f, cap, cap1):
        self.f, self.cap, self.cap1 = f, cap, cap1
        a = PLAN[f]
        self.a = a
        self.S = [m.addr_add(a["src"], i) for i in range(12)]
        self.G = [m.addr_add(a["grp"], i) for i in range(16)]
        self.GN = m.addr_add(a["grp"], 0xdead)         # never joined
        self.GL = a["ll"]
        self.mac = m.link_mac("p0", PEER)
        self.idx = m.ifindex("h0", NS)
        self.state = {}          # group -> (mode, sources) held on h0
        self.rv = RV0            # the Robustness Variable h0 uses

    # -------------------------------------------------- sending
    def send(self, ip_packet, cap=None):
        """Inject; returns the kernel's transmit time."""
        return (cap or self.cap).send(self.f.frame(ip_packet, self.mac))

    def q(self, group=None, sources=(), level=3, qrv=2, cap=None, **kw):
        """A query from the querier's address (kw: Fam.query's)."""
        kw.setdefault("src", self.a["q"])
        if level == 3 and kw["src"] == self.a["q"]:
            self.rv = qrv or RV0
        return self.send(self.f.query(group=group, sources=sources,
                                      level=level, qrv=qrv, **kw), cap)

    def other_report(self, group):
        return self.send(self.f.report(self.a["other"], group))

    # -------------------------------------------------- memberships
    def join(self, group, mode=None, sources=(), dev="h0"):
        return self.batch((group, mode or ("include" if sources else
                                           "exclude"), sources), dev=dev)

    def leave(self, group, dev="h0"):
        return self.batch((group,), dev=dev)

    def batch(self, *cmds, dev="h0"):
        """Changes in one `mchostctl -b -` (one netlink socket): cmds are
        (group, mode, sources) joins or (group,) leaves."""
        lines = []
        for c in cmds:
            lines.append(" ".join(m.join_args(dev, *c)) if c[1:] else
                         "leave dev %s group %s" % (dev, c[0]))
            if dev == "h0" and c[1:]:
                self.state[m.canon(c[0])] = (c[1], tuple(m.sort_sources(
                    c[2])))
            elif dev == "h0":
                del self.state[m.canon(c[0])]
        return ctl(["-b", "-"], ns=NS, input="\n".join(lines) + "\n")

    def setup(self, *cmds):
        """e.batch(*cmds) of changes to different groups, then wait until
        their reports (RV each, v3 mode) are all sent."""
        r = self.batch(*cmds)
        n = self.rv * len([c for c in cmds if not self.f.is_ll(c[0])])
        wait_n(self, r.t0, n, 2 + self.rv * (URI + LATE), "reports")
        time.sleep(URI + 0.1)

    def reportable(self):
        return sorted(g for g in self.state if not self.f.is_ll(g))

    def current(self, ll=False, types=(IS_IN, IS_EX)):
        """The IS_IN / IS_EX records of the current state (link-local
        groups only with ll: report_link_local=1); with types=(ALLOW,
        TO_EX) what announcing every membership afresh sends."""
        return sorted(rec(types[md == "exclude"], g, s)
                      for g, (md, s) in self.state.items()
                      if ll or not self.f.is_ll(g))

    def check_members(self, what):
        m.expect_members([m.Member("h0", g, md, s, ifindex=self.idx)
                          for e in (self, OTHER[self.f])
                          for g, (md, s) in e.state.items()],
                         ns=NS, what=what, do_json=False)

    # -------------------------------------------------- what h sent
    def pkts(self, since, until=None, cap=None, src=None):
        """This family's packets from h, each checked for its framing (on
        h1 the stock stack reports its solicited-node groups: left out)."""
        ps = (cap or self.cap).get(since, until, fam=self.f, pred=mine)
        for p in ps:
            m.check_framing(p, src or self.a["h"], "packet from h")
        return ps

    def quiet(self, since, what, cap=None):
        eq((cap or self.cap).get(since, fam=self.f, pred=mine), [],
           "%s: %s packets sent by h" % (what, self.f))

    def ctr(self):
        return m.counters(NS)[self.f.name]

    def cdelta(self, c0, names=None):
        now = self.ctr()
        return {k: now[k] - c0[k] for k in (names or now)}

    def version(self, dev="h0"):
        return m.proc_iface_state(dev, NS)[self.f.vcol]


OTHER = {}


def mine(p):
    """Not one of the stock stack's MLD reports for a solicited-node group
    (ff02::1:ffXX:XXXX; only h1 has one)."""
    gs = [r[1] for r in p.records] or [p.group]
    return not (p.fam is MLD and all(g.startswith("ff02::1:ff") for g in gs))


def kinds(ps):
    return [(p.kind(), m.canon(p.group)) if p.kind() != "v3" else
            ("v3", sorted(m.records([p]))) for p in ps]


def wait_n(e, since, n, timeout, what, cap=None, pred=None):
    """Wait for n packets of e's family (a timeout is no failure here: the
    exact checks that follow say what came)."""
    try:
        (cap or e.cap).wait(lambda ps: len([p for p in ps if not pred or
                                            pred(p)]) >= n, timeout, what,
                            since=since, fam=e.f)
    except m.TestFail:
        pass


def unsolicited(e, action, exp, what, rv=None, kind="v3", cap=None, src=None,
                only=None):
    """action() runs a mchostctl command and returns its result; exactly
    rv (default: e.rv) reports follow: "v3" ones with exactly the records
    exp, or old ones (kind "v2"/"v1"/"leave") for the group exp. The first
    leaves before the command returned, each next one within (0, URI].
    With only (a group), the packets about other groups are left out, and
    the counters are the caller's to check."""
    rv = e.rv if rv is None else rv
    c0 = e.ctr()
    r = action()
    sel = {"pred": lambda p: only in [p.group] + [x[1] for x in p.records]}
    if rv:
        wait_n(e, r.t0, rv, 2 + rv * (URI + LATE), what, cap,
               **(sel if only else {}))
    time.sleep(URI + 0.1 if rv else 0.1)      # one too many comes by now
    ps = e.pkts(r.t0, cap=cap, src=src)
    if only:
        ps = [p for p in ps if sel["pred"](p)]
    want = [("v3", sorted(exp))] if kind == "v3" else [(kind, m.canon(exp))]
    timing(ps, want * rv, r, what)
    if not only:
        eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "%s: snd_* counters" %
           what)
    return ps


def timing(ps, want, r, what):
    """ps (the reports of one change made by command r) are exactly want
    (kinds()); the first was sent before r returned, each next one within
    (0, URI] of the one before."""
    eq(kinds(ps), want, "%s: the reports (RV %d)" % (what, len(want)))
    if ps:
        check(r.t0 <= ps[0].t <= r.t1, "%s: the first report was sent at "
              "%.3f, not within the command (%.3f-%.3f)" % (
                  what, ps[0].t, r.t0, r.t1))
    gaps = [b.t - a.t for a, b in zip(ps, ps[1:])]
    check(all(0 < g <= URI + LATE for g in gaps), "%s: retransmission gaps %s"
          " s must be in (0, URI=%.1f] (+%.1f late)" % (what, gaps, URI, LATE))
    log("%s: %d reports, gaps %s" % (what, len(ps), [round(g, 3)
                                                      for g in gaps]))


def respond(e, t0, exp, what, mrt, npkt=None, c0=None, old=False):
    """A query left at t0 (kernel time): within its Max Resp Time mrt,
    exactly exp follows: v3 records in npkt packets (default 1, or 0 if exp
    is empty), or with old=True a list of (kind, group) old messages."""
    n = (len(exp) if old else 1 if exp else 0) if npkt is None else npkt
    if n:
        wait_n(e, t0, n, mrt + 2 + LATE, what)
    time.sleep(max(0.05, t0 + mrt + 0.1 - time.time()))
    ps = e.pkts(t0)
    if old:
        eq(sorted((p.kind(), m.canon(p.group)) for p in ps),
           sorted((k, m.canon(g)) for k, g in exp), "%s: messages" % what)
    else:
        eq(sorted(m.records(ps)), sorted(exp), "%s: records" % what)
        eq([p.kind() for p in ps], ["v3"] * n, "%s: v3 reports" % what)
    late = [round(p.t - t0, 3) for p in ps if p.t - t0 > mrt + LATE]
    eq(late, [], "%s: responses after the Max Resp Time %.1f s" % (what, mrt))
    d = e.cdelta(c0) if c0 else None
    if d:
        eq({k: d[k] for k in m.SND}, m.snd_expect(ps), "%s: snd_*" % what)
    log("%s: %d packet(s) after %s s" % (what, len(ps),
                                         [round(p.t - t0, 3) for p in ps]))
    return d


def query(e, exp, what, mrt=1.0, group=None, sources=(), npkt=None, **kw):
    c0 = e.ctr()
    t0 = e.q(group, sources, mrt=mrt, **kw)
    return respond(e, t0, exp, what, mrt, npkt, c0)


# ---------------------------------------------------------------- changes

def changes(e, cmds, exp, what):
    """One `mchostctl -b` with changes to different groups; for each group
    g, exactly RV reports follow with exactly the records exp[g] (none for
    link-local groups), the first before the command returned, each next
    within (0, URI]."""
    c0 = e.ctr()
    r = e.batch(*cmds)
    n = e.rv * len([g for g in exp if exp[g]])
    wait_n(e, r.t0, n, 2 + e.rv * (URI + LATE), what)
    time.sleep(URI + 0.1)
    ps = e.pkts(r.t0)
    for g, recs in exp.items():
        timing([p for p in ps if {x[1] for x in p.records} == {m.canon(g)}],
               [("v3", sorted(recs))] * (e.rv if recs else 0), r,
               "%s: %s" % (what, g))
    eq(len(ps), n, "%s: reports in all" % what)
    eq(e.cdelta(c0, m.SND), m.snd_expect(ps), "%s: snd_* counters" % what)


def phase_changes(e):
    step("%s changes: state-change reports (RFC 9776 §5.1 table), RV %d, "
         "URI %.1f s" % (e.f, RV0, URI))
    S, G = e.S, e.G
    changes(e, [(e.GL, "exclude", ()), (e.GL,), (e.GL, "exclude", ())],
            {e.GL: []}, "join, leave and join a link-local group")
    changes(e, [(G[1], "include", S[1:3]), (G[2], "exclude", ()),
                (G[3], "exclude", [S[3]]), (G[5], "include", [S[7]]),
                (G[6], "exclude", [S[3]]), (G[4], "include", [S[6]])],
            {G[1]: [rec(ALLOW, G[1], S[1:3])], G[2]: [rec(TO_EX, G[2])],
             G[3]: [rec(TO_EX, G[3], [S[3]])],
             G[5]: [rec(ALLOW, G[5], [S[7]])],
             G[6]: [rec(TO_EX, G[6], [S[3]])],
             G[4]: [rec(ALLOW, G[4], [S[6]])]},
            "joins: INCLUDE{S1,S2}, ASM, EXCLUDE{S3}, INCLUDE{S7}, "
            "EXCLUDE{S3}, INCLUDE{S6}")
    changes(e, [(G[1], "include", [S[2], S[4]]),
                (G[3], "exclude", [S[3], S[5]]), (G[5], "exclude", [S[8]]),
                (G[6],)],
            {G[1]: [rec(ALLOW, G[1], [S[4]]), rec(BLOCK, G[1], [S[1]])],
             G[3]: [rec(BLOCK, G[3], [S[5]])],
             G[5]: [rec(TO_EX, G[5], [S[8]])], G[6]: [rec(TO_IN, G[6])]},
            "G1 INCLUDE -> INCLUDE{S2,S4}, G3 EXCLUDE -> EXCLUDE{S3,S5}, "
            "G5 INCLUDE -> EXCLUDE{S8}, leave G6 from EXCLUDE")
    changes(e, [(G[3], "exclude", [S[5]]), (G[5], "exclude", [S[9]])],
            {G[3]: [rec(ALLOW, G[3], [S[3]])],
             G[5]: [rec(ALLOW, G[5], [S[8]]), rec(BLOCK, G[5], [S[9]])]},
            "G3 EXCLUDE -> EXCLUDE{S5}, G5 EXCLUDE{S8} -> EXCLUDE{S9}")
    changes(e, [(G[5], "include", [S[7], S[9]])],
            {G[5]: [rec(TO_IN, G[5], [S[7], S[9]])]},
            "G5 EXCLUDE -> INCLUDE{S7,S9}")
    changes(e, [(G[5],)], {G[5]: [rec(BLOCK, G[5], [S[7], S[9]])]},
            "leave G5 from INCLUDE")
    e.check_members("after the changes")


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
        return m.wait_for(lambda: [ln for ln in m.ctl(
            ["-d", "show"], ns=NS).stdout.splitlines() if
                                   " %s " % g in ln and
                                   ln.endswith("owners %d" % n)], 5,
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
    wait_n(e, t0, len(exp), 3 + RV0 * (URI + LATE), "the announcements")
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
               "from %s" % e.a["h"])
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


def old_mode(e, dev, t0, level, want, version=None, **vals):
    """A query of `level` came at t0: `ifaces -d` of dev shows its
    older-querier-present time left (want ms minus the time since t0), the
    version (default: level's) and the values given (rv, qi_ms, qri_ms)."""
    f = e.f
    st = m.ifaces_d(dev, NS)
    left = st["%s_v%d_querier_ms" % (f.name, level)]
    lo = want - int((time.time() - t0) * 1000) - 1
    check(lo <= left <= want, "%s: %s_v%d_querier_ms %d, expected RV*QI+QRI "
          "= %d ms minus the time since the query: %d..%d" % (
              dev, f.name, level, left, want, lo, want))
    eq({k: st["%s_%s" % (f.name, k)] for k in vals}, vals,
       "%s: querier values in `ifaces -d`" % dev)
    eq(st[f.vcol], f.ver(version or level), "%s: %s" % (dev, f.vcol))
    return st


def wait_v3(e, timeout, what):
    """Poll `ifaces -d` until h0 speaks v3 again: while an older querier's
    timer runs the mode is old, and v3 comes with every such timer at 0.
    Returns the time it was first seen."""
    f = e.f

    def back():
        st = m.ifaces_d("h0", NS)
        left = [st.get("%s_v%d_querier_ms" % (f.name, lv), 0)
                for lv in (1, 2)]
        if any(left):
            eq(st[f.vcol] < f.ver(3), True, "%s: %s while an older querier "
               "timer runs (%s)" % (what, f.vcol, left))
        return st[f.vcol] == f.ver(3) and st["t"]
    return m.wait_for(back, timeout, "%s: %s %d" % (what, f.vcol,
                                                    f.ver(3)), interval=0.1)


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
    frame = f.frame(f.query(e.a["q"], G[4], [S[6]], mrt=1.0), e.mac)
    for attempt in range(4):
        time.sleep(1.1)          # a fresh rate-limit window
        c0 = e.ctr()
        sent = [e.cap.send(frame) for _ in range(10)]
        if not e.pkts(sent[0], sent[-1]):
            break
        log("answered before the 10th query; again")
    else:
        fail("answered before the 10th query 4 times")
    respond(e, sent[0], [rec(IS_IN, G[4], [S[6]])], "10 group-and-source "
            "queries for G4 asking {S6} within %.3f s: one response" %
            (sent[-1] - sent[0]), 1.0, c0=c0)
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
    step("%s compat: an old query (QRV 2, QQIC 2 before): old mode for "
         "RV*QI+QRI = 5 s" % f)
    query(e, e.current(), "general query with QRV 2, QQIC 2", mrt=0,
          qqic=2)
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
    old_mode(e, "h0", tq, 2, 2 * 2000 + 1000, rv=2, qi_ms=2000, qri_ms=1000)
    time.sleep(max(0, tq + 1.1 - time.time()))     # the responses are done
    # In old mode a join reports at once and once more within URI (RV 2),
    # a source change of a held group sends nothing, a leave a Leave/Done.
    unsolicited(e, lambda: e.join(G[5]), G[5], "join in old mode", kind="v2")
    unsolicited(e, lambda: e.join(G[5], "include", [S[1]]), G[5],
                "a source change in old mode", rv=0, kind="v2")
    lv = unsolicited(e, lambda: e.leave(G[5]), G[5], "leave in old mode "
                     "(we reported last)", rv=1, kind="leave")
    eq(m.canon(lv[0].dst), f.leave_dst, "Leave/Done destination")
    tv3 = wait_v3(e, 6, "end of old mode")
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
    # RV 2, QI 2 s, QRI 1 s at the old query; QRV 1, QQIC 1 and Max Resp
    # Code 0 after it.
    old_mode(e, "h0", tq, 2, 2 * 2000 + 1000, rv=1, qi_ms=1000, qri_ms=0)
    wait_v3(e, 7, "end of old mode")
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
    if gen and all(p.t < t68 for p in gen):
        log("the general response left before the MTU change")
        eq([sorted(m.records(gen))], [before], "general response at 1500")
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


PHASES = [phase_changes, phase_pending, phase_link, phase_source,
          phase_queries, phase_merge, phase_values, phase_bad, phase_compat,
          phase_suppress, phase_v1, phase_maxver, phase_mtu68,
          phase_linklocal]


def setup():
    m.netns_add(NS)
    m.netns_add(PEER)
    for h, p in (("h0", "p0"), ("h1", "p1")):
        m.veth(h, NS, p, PEER, up=False)
        m.ipv6_quiet(PEER, p, disable=True)
        ip("link set %s up" % p, ns=PEER)
    m.quiet_host(NS, "h0", PLAN[IGMP]["h"], PLAN[MLD]["h"])
    ip("link set h1 up", ns=NS)         # no address yet; DAD for MLD
    eq({a for a in m.maddr_inet("h0", NS)}, {"224.0.0.1", "ff02::1",
                                              "ff01::1"},
       "the stock stack's groups on h0 (none it reports)")


def body():
    tw = m.TaintWatch()
    m.fresh_module(*PARAMS)
    step("setup: netns h (mchost) and p (querier, capture)")
    setup()
    cap, cap1 = m.Capture("p0", PEER), m.Capture("p1", PEER)
    envs = [Env(f, cap, cap1) for f in FAMS]
    OTHER[IGMP], OTHER[MLD] = envs[1], envs[0]
    t0 = time.time()
    time.sleep(0.3)
    eq(cap.get(), [], "IGMP/MLD packets before any join")
    for ph in PHASES:
        for e in envs:
            ph(e)
            tw.check("after %s" % ph.__name__)
    c = m.check_stats_cli(NS)
    m.check_invariant(c, "at the end")
    eq((c["igmp"]["snd_errors"], c["mld"]["snd_errors"]), (0, 0),
       "snd_errors at the end")
    log("%d packets captured in %.0f s" % (len(cap.get(t0)),
                                           time.time() - t0))
    tw.check()


if __name__ == "__main__":
    m.main(body)
