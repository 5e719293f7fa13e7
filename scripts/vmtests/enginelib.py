# SPDX-License-Identifier: GPL-2.0
"""The engine tests' common part (t70-engine, t71-engine-compat): the
netns layout, one Env per family, the timing helpers, the changes phase
that sets up the state both files start from, and the test body."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, FAMS, IGMP, IS_EX, IS_IN, MLD, TO_EX, TO_IN,
                   check, ctl, eq, ip, log, rec, step)

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
        wait_n(self, r.t0, n, 2 + self.rv * (URI + LATE), "reports",
               recs=True)
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


def kinds(ps, group=None):
    """What each packet is; of v3 reports, with group only the records of
    that group (reports due together carry several groups' records)."""
    return [(p.kind(), m.canon(p.group)) if p.kind() != "v3" else
            ("v3", sorted(r for r in m.records([p])
                          if group is None or r[1] == group)) for p in ps]


def wait_n(e, since, n, timeout, what, cap=None, pred=None, recs=False):
    """Wait for n packets of e's family that e.pkts() keeps, or with recs
    for n group records in them (an old message counts one): reports pack
    the records of several groups, so a wait for records counted in packets
    ran to its timeout. A timeout is no failure here (the exact checks that
    follow say what came), but it is logged: a wait that always runs out
    costs the suite its whole length. Counting the stock stack's reports
    too (after DAD on h1) ended a wait early, and a last retransmission
    came after the checks looked."""
    def count(ps):
        return sum(max(1, len(p.records)) if recs else 1 for p in ps
                   if mine(p) and (not pred or pred(p)))
    c = cap or e.cap
    try:
        c.wait(lambda ps: count(ps) >= n, timeout, what, since=since,
               fam=e.f)
    except m.TestFail:
        log("(%s: %d of %d %s after the whole %.1f s)" % (
            what, count(c.get(since, fam=e.f)), n,
            "records" if recs else "packets", timeout))


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


def timing(ps, want, r, what, group=None):
    """ps (the reports of one change made by command r; with group, those
    of one group's) are exactly want (kinds()); the first was sent before r
    returned, each next one within (0, URI] of the one before."""
    eq(kinds(ps, group), want, "%s: the reports (RV %d)" % (what, len(want)))
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
    within (0, URI]. Records due together share a report: the first
    transmissions all (the joins are one batch JOIN), the others when
    their random delays fall into one timer firing."""
    c0 = e.ctr()
    r = e.batch(*cmds)
    gs = [g for g in exp if exp[g]]
    wait_n(e, r.t0, e.rv if gs else 0, 2 + e.rv * (URI + LATE), what)
    time.sleep(e.rv * URI + 0.1)
    ps = e.pkts(r.t0)
    for g, recs in exp.items():
        timing([p for p in ps if m.canon(g) in {x[1] for x in p.records}],
               [("v3", sorted(recs))] * (e.rv if recs else 0), r,
               "%s: %s" % (what, g), group=m.canon(g))
    if all(c[1:] for c in cmds) and len(gs) > 1:
        first = {g: min(p.t for p in ps if m.canon(g) in
                        {x[1] for x in p.records}) for g in gs}
        eq(len(set(first.values())), 1, "%s: the joins' first reports (one "
           "batch JOIN) in one report: sent at %s" % (what, first))
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


def no_snd_errors(c, se, when):
    """snd_errors of both families 0; else the failure says why (the
    mchost:send_error events: device, family, errno)."""
    got = (c["igmp"]["snd_errors"], c["mld"]["snd_errors"])
    eq(got, (0, 0), "snd_errors %s%s" % (when, "" if got == (0, 0) else
                                          ", send_error events: %r" %
                                          se.lines()))


def run(phases):
    """setup(), then each phase for IGMP and for MLD, in order; then the
    counters' invariant and no send error."""
    tw = m.TaintWatch()
    m.fresh_module(*PARAMS)
    # Why a packet could not be sent, should one fail.
    se = m.SendErrors("engine")
    step("setup: netns h (mchost) and p (querier, capture)")
    setup()
    cap, cap1 = m.Capture("p0", PEER), m.Capture("p1", PEER)
    envs = [Env(f, cap, cap1) for f in FAMS]
    OTHER[IGMP], OTHER[MLD] = envs[1], envs[0]
    t0 = time.time()
    time.sleep(0.3)
    eq(cap.get(), [], "IGMP/MLD packets before any join")
    for ph in phases:
        for e in envs:
            ph(e)
            tw.check("after %s" % ph.__name__)
            # Checked as they happen, so that a failure names the phase.
            no_snd_errors(m.counters(NS), se, "after %s's %s phase" % (
                e.f, ph.__name__))
    c = m.check_stats_cli(NS)
    m.check_invariant(c, "at the end")
    no_snd_errors(c, se, "at the end")
    se.close()
    log("%d packets captured in %.0f s" % (len(cap.get(t0)),
                                           time.time() - t0))
    tw.check()
