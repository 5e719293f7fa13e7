#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t80-scale: thousands of groups, records too large for a packet, and
teardown during response bursts, for IGMP and MLD at once.

netns h: h0 and h1 (10.0.x.2, fe80::x nodad, `arp off`: the stock stack
sends no IGMP/MLD there), their veth peers p0 / p1 in netns p (IPv6 off),
where the queries are sent and everything h sends is captured and parsed
from raw bytes. Module parameters: robustness=1, coalesce_ms=20,
max_sources=1024. The devices come up right before the joins: nothing
waits for IPv6 to settle, and snd_errors must stay 0.

  1  5,000 IPv4 and 2,000 IPv6 ASM groups on h0 in one `mchostctl -b`:
     each announced by exactly one TO_EX{} record (RV 1); ip maddr holds
     them all.
  2  one general query per family: every group reported once (IS_EX{}),
     in exactly ceil(N / per packet) packets of at most 1,500 bytes (183
     zero-source IGMPv3 records fill one, 72 MLDv2 records), within the
     Max Resp Time.
  3  on h1: a record with 2 * fit + 22 sources (fit: what one 1,500-byte
     packet holds, 365 IPv4 / 89 IPv6 sources) is split into records of at
     most fit sources, one per packet (ALLOW, IS_IN, BLOCK); an EXCLUDE one
     is truncated to fit (TO_EX, IS_EX; snd_truncated); a general response
     at MTU 1280 packs 156 / 61 zero-source records a packet.
  4  `ip link del h0` while general queries (Max Resp Code 0) of both
     families keep h0 building responses: no taint, h0 gone, h1 untouched.
  5  rmmod during a query flood on h1 (no frame from h1 after rmmod
     returned), and during single general responses (unloaded at once, or
     a little later, by rmmod or by the system call): each time rmmod
     succeeds, /proc/net/mchost and /sys/module/mchost go, h1's ip maddr is
     back to what it was (nothing leaked), no taint, and what left of the
     responses is valid and repeats no group.
"""
import collections
import ctypes
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (ALLOW, BLOCK, FAMS, IGMP, IS_EX, IS_IN, MLD, TO_EX, TO_IN,
                   check, ctl, eq, ip, log, rec, step)

NS, PEER = "h", "p"
PARAMS = ("robustness=1", "coalesce_ms=20", "max_sources=1024")
ADDR = {("h0", IGMP): "10.0.0.2", ("h1", IGMP): "10.0.1.2",
        ("h0", MLD): "fe80::2", ("h1", MLD): "fe80::3"}
Q = {IGMP: "10.0.0.1", MLD: "fe80::1"}
N = {IGMP: 5000, MLD: 2000}


def groups(base, n):
    return [m.addr_add(base, i) for i in range(n)]


G0 = {IGMP: groups("239.10.0.0", N[IGMP]), MLD: groups("ff0e::1:0", N[MLD])}
G1 = {IGMP: groups("239.11.0.0", 100), MLD: groups("ff0e::2:0", 100)}
G1B = {IGMP: groups("239.12.0.0", N[IGMP]),
       MLD: groups("ff0e::3:0", N[MLD])}
GX = {IGMP: "232.7.7.7", MLD: "ff3e::7:7"}
GY = {IGMP: "239.8.8.8", MLD: "ff0e::8:8"}


def big_sources(f):
    """2 * fit + 22 sources: two full records and a small one."""
    return groups("10.77.0.1" if f is IGMP else "2001:db8:7::1",
                  2 * f.fit(1500) + 22)


def query(f, mrt=1.0, group=None):
    return f.frame(f.query(Q[f], group, mrt=mrt, qrv=1))


class Env:
    def __init__(self):
        self.cap = {d: m.Capture("p" + d[1], PEER) for d in ("h0", "h1")}
        self.mtu = {"h0": 1500, "h1": 1500}

    def pkts(self, dev, f, since, what):
        ps = self.cap[dev].get(since, fam=f)
        for p in ps:
            m.check_framing(p, ADDR[(dev, f)], what)
            check(p.iplen <= self.mtu[dev], "%s: a packet of %d bytes at MTU "
                  "%d: %r" % (what, p.iplen, self.mtu[dev], p))
        return ps


def batch(dev, gs):
    """Join gs (both families) on dev (MTU 1500) with one `mchostctl -b`,
    and wait until the announcements are sent: RV 1, each join's record
    once, those of a batch JOIN (256 lines at most) packed: at least
    ceil(n / per report), and one more at most per 100 lines (each batch
    JOIN may leave one report part-filled, and a datagram or the receive
    window may end one early)."""
    c0 = m.counters(NS)
    t0 = time.monotonic()
    ctl(["-b", "-"], ns=NS, timeout=120, input="".join(
        "join dev %s group %s\n" % (dev, g) for f in FAMS for g in gs[f]))
    log("%d joins on %s with mchostctl -b: %.2fs" % (
        sum(len(gs[f]) for f in FAMS), dev, time.monotonic() - t0))

    def sent(f):
        return m.counters(NS)[f.name]["snd_v3_reports"] - \
            c0[f.name]["snd_v3_reports"]
    least = {f: -(-len(gs[f]) // f.per_pkt(1500)) for f in FAMS}
    lines = sum(len(gs[g]) for g in FAMS)
    most = {f: least[f] + lines // 100 + 2 for f in FAMS}
    for f in FAMS:
        m.wait_for(lambda: sent(f) >= least[f], 30, "%d %s announcements "
                   "(%d reports at least)" % (len(gs[f]), f, least[f]),
                   interval=0.1)
    time.sleep(0.3)         # the batch JOINs' reports leave at their end
    d = m.delta(c0, m.counters(NS))
    for f in FAMS:
        check(least[f] <= d[f.name]["snd_v3_reports"] <= most[f],
              "%s announcements: %d reports for %d joins, not within "
              "[%d, %d]" % (f, d[f.name]["snd_v3_reports"], len(gs[f]),
                            least[f], most[f]))
    eq({f: d[f.name]["snd_errors"] for f in FAMS}, {f: 0 for f in FAMS},
       "announcements: snd_errors")
    st = json.loads(ip(["-j", "-s", "link", "show", dev], ns=NS).stdout)
    log("%s dropped %d frames in all (a full peer backlog would show here)"
        % (dev, st[0]["stats64"]["tx"]["dropped"]))


def by_group(pkts):
    out = collections.defaultdict(list)
    for r in m.records(pkts):
        out[r[1]].append(r)
    return out


def announced(e, dev, since, gs, what):
    """Each group of gs (both families) was announced by exactly one
    TO_EX{} record (RV 1)."""
    e.cap[dev].settle()
    for f in FAMS:
        ps = e.pkts(dev, f, since, what)
        by = by_group(ps)
        eq(set(by), {m.canon(g) for g in gs[f]}, "%s: %s groups announced"
           % (what, f))
        eq({g: r for g, r in by.items() if r != [rec(TO_EX, g)]}, {},
           "%s: %s groups not announced by exactly one TO_EX{}" % (what, f))
        log("%s: %d %s records in %d packets" % (what, len(by), f, len(ps)))


def general(e, dev, f, gs, what, mrt=1.0):
    """One general query: every group of gs reported exactly once
    (IS_EX{}) in exactly ceil(len / per packet) packets, within the Max
    Resp Time."""
    per = f.per_pkt(e.mtu[dev])
    c0 = m.counters(NS)[f.name]
    t0 = e.cap[dev].send(query(f, mrt))
    e.cap[dev].wait(lambda ps: len(m.records(ps)) >= len(gs), mrt + 10,
                    "%s: %d records" % (what, len(gs)), since=t0, fam=f)
    time.sleep(max(0.1, t0 + mrt + 0.2 - time.time()))
    e.cap[dev].settle()
    ps = e.pkts(dev, f, t0, what)
    by = by_group(ps)
    eq(set(by), {m.canon(g) for g in gs}, "%s: groups reported" % what)
    eq({g: r for g, r in by.items() if r != [rec(IS_EX, g)]}, {},
       "%s: groups not reported exactly once as IS_EX{}" % what)
    eq(sorted(len(p.records) for p in ps),
       sorted([per] * (len(gs) // per) + ([len(gs) % per] if len(gs) % per
                                          else [])),
       "%s: records per packet (%d fill a %d-byte packet)" % (
           what, per, e.mtu[dev]))
    eq([round(p.t - t0, 3) for p in ps if p.t - t0 > mrt + 0.5], [],
       "%s: packets after the Max Resp Time %.1f s" % (what, mrt))
    d = m.delta({"x": c0}, {"x": m.counters(NS)[f.name]})["x"]
    eq({k: d[k] for k in m.SND + ("snd_truncated",)},
       dict(m.snd_expect(ps), snd_truncated=0), "%s: counters" % what)
    log("%s: %d packets after %.3f-%.3fs" % (what, len(ps), ps[0].t - t0,
                                              ps[-1].t - t0))


def collect(e, dev, f, action, n_recs, what):
    """Run action(); the packets of family f from dev until n_recs records
    came, and the snd_* / snd_truncated deltas."""
    c0 = m.counters(NS)[f.name]
    t0 = time.time()
    action()
    e.cap[dev].wait(lambda ps: len(m.records(ps)) >= n_recs, 5,
                    "%s: %d records" % (what, n_recs), since=t0, fam=f)
    time.sleep(0.5)
    ps = e.pkts(dev, f, t0, what)
    c = m.counters(NS)[f.name]
    d = {k: c[k] - c0[k] for k in m.SND + ("snd_truncated",)}
    eq({k: d[k] for k in m.SND}, m.snd_expect(ps), "%s: snd_*" % what)
    return ps, d["snd_truncated"]


def split_ok(ps, f, rtype, group, sources, what):
    """A record too large for one packet: same-type records of at most fit
    sources, one per packet, together the whole list once."""
    recs, fit = m.records(ps), f.fit(1500)
    eq({(r[0], r[1]) for r in recs}, {(rtype, m.canon(group))},
       "%s: record types" % what)
    eq(sorted(s for r in recs for s in r[2]), sorted(m.sort_sources(
        sources)), "%s: every source exactly once" % what)
    eq(sorted(len(r[2]) for r in recs), [22, fit, fit],
       "%s: sources per record (at most %d)" % (what, fit))
    eq(len(ps), 3, "%s: one record per packet" % what)


def truncated_ok(ps, ntrunc, f, rtype, group, sources, what):
    """An IS_EX / TO_EX record too large: one record with the fit sources
    that fit (RFC 9776 §4.2.16), counted in snd_truncated."""
    recs = m.records(ps)
    eq([(r[0], r[1], len(r[2])) for r in recs],
       [(rtype, m.canon(group), f.fit(1500))], "%s: truncated" % what)
    check(set(recs[0][2]) <= set(m.sort_sources(sources)),
          "%s: sources not in the filter" % what)
    eq((len(ps), ntrunc), (1, 1), "%s: packets, snd_truncated" % what)


def big_records(e, f):
    step("3: %s records with %d sources on h1: split, or truncated" % (
        f, len(big_sources(f))))
    src, gx, gy = big_sources(f), GX[f], GY[f]
    tx = e.cap["h1"]
    ps, _ = collect(e, "h1", f, lambda: ctl(m.join_args(
        "h1", gx, "include", src), ns=NS), 3, "join INCLUDE")
    split_ok(ps, f, ALLOW, gx, src, "join INCLUDE")
    ps, t = collect(e, "h1", f, lambda: ctl(m.join_args(
        "h1", gy, "exclude", src), ns=NS), 1, "join EXCLUDE")
    truncated_ok(ps, t, f, TO_EX, gy, src, "join EXCLUDE")
    ps, _ = collect(e, "h1", f, lambda: tx.send(query(f, 0.1, gx)), 3,
                    "group query for the INCLUDE group")
    split_ok(ps, f, IS_IN, gx, src, "group query for the INCLUDE group")
    ps, t = collect(e, "h1", f, lambda: tx.send(query(f, 0.1, gy)), 1,
                    "group query for the EXCLUDE group")
    truncated_ok(ps, t, f, IS_EX, gy, src, "group query for the EXCLUDE "
                 "group")
    ps, t = collect(e, "h1", f, lambda: tx.send(query(f, 0.1)),
                    len(G1[f]) + 4, "general query to h1")
    by = by_group(ps)
    eq(set(by), {m.canon(g) for g in G1[f] + [gx, gy]}, "general query to "
       "h1: groups")
    eq(sorted(s for r in by[m.canon(gx)] for s in r[2]), sorted(
        m.sort_sources(src)), "general query: the IS_IN records carry "
       "every source once")
    eq(([(r[0], len(r[2])) for r in by[m.canon(gy)]], t),
       ([(IS_EX, f.fit(1500))], 1), "general query: the IS_EX record, "
       "truncated, and snd_truncated")
    ps, _ = collect(e, "h1", f, lambda: ctl(["leave", "dev", "h1", "group",
                                             gx], ns=NS), 3, "leave INCLUDE")
    split_ok(ps, f, BLOCK, gx, src, "leave INCLUDE")
    ps, _ = collect(e, "h1", f, lambda: ctl(["leave", "dev", "h1", "group",
                                             gy], ns=NS), 1, "leave EXCLUDE")
    eq(m.records(ps), [rec(TO_IN, gy)], "leave EXCLUDE: TO_IN{}")

    step("3: %s at MTU 1280: %d zero-source records a packet" % (
        f, f.per_pkt(1280)))
    ip("link set h1 mtu 1280", ns=NS)
    e.mtu["h1"] = 1280
    general(e, "h1", f, G1[f], "general query to h1 at MTU 1280", mrt=0.1)
    ip("link set h1 mtu 1500", ns=NS)
    e.mtu["h1"] = 1500


class Flood:
    """General queries (Max Resp Code 0) of both families on a peer device
    every ~5 ms in a thread: each restarts h's general responses at once."""

    def __init__(self, tx):
        self.tx, self.n, self.stop_ev = tx, 0, threading.Event()
        self.frames = [query(f, 0) for f in FAMS]
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.is_set():
            for fr in self.frames:
                try:
                    self.tx.send(fr)
                    self.n += 1
                except (OSError, m.TestFail):
                    pass
            time.sleep(0.005)

    def stop(self):
        self.stop_ev.set()
        self.th.join(5)


def busy(dev, n):
    """Wait until dev has sent n more v3 reports of each family (the flood
    is answered), then check that both still send: dev is busy now."""
    c0 = m.counters(NS)
    for f in FAMS:
        m.wait_for(lambda: m.counters(NS)[f.name]["snd_v3_reports"] -
                   c0[f.name]["snd_v3_reports"] >= n, 30, "%d %s response "
                   "packets from %s to the query flood" % (n, f, dev),
                   interval=0.05)
    c1 = m.counters(NS)
    time.sleep(0.2)
    c2 = m.counters(NS)
    for f in FAMS:
        check(c2[f.name]["snd_v3_reports"] > c1[f.name]["snd_v3_reports"],
              "%s sent no %s response in the last 0.2 s of the flood" % (
                  dev, f))


_libc = ctypes.CDLL(None, use_errno=True)
SYS_delete_module = 176          # x86_64
O_NONBLOCK = 0o4000


def unload(how):
    if how == "rmmod":
        m.rmmod(timeout=60)
        return
    # rmmod's system call, without rmmod's fork+exec delay.
    r = _libc.syscall(SYS_delete_module, b"mchost", O_NONBLOCK)
    err = 0 if r == 0 else ctypes.get_errno()
    eq(err, 0, "delete_module(mchost): %s" % os.strerror(err))


def gone(what, base1):
    check(not m.module_loaded(), "%s: /sys/module/mchost still exists" %
          what)
    for ns in (None, NS):
        with m.in_netns(ns):
            check(not os.path.exists(m.PROC), "%s: %s still exists in netns "
                  "%s" % (what, m.PROC, ns or "init"))
    eq(sorted(m.maddr_links("h1", NS)), base1, "%s: ip maddr of h1 (nothing "
       "leaked)" % what)


def unloads(e, tw, base1):
    step("5: rmmod during a query flood on h1 (%d + %d groups)" % (
        N[IGMP], N[MLD]))
    e.cap.pop("h1").close()
    batch("h1", G1B)
    ft = m.Capture("p1", PEER, raw=True)
    fl = Flood(ft.tx)
    busy("h1", 3)
    td = time.time()
    m.rmmod(timeout=60)
    tdone = time.time()
    time.sleep(0.3)
    fl.stop()
    ft.settle()
    ts = ft.times
    log("query flood on h1: %d queries; frames from h1: %d within 0.3 s "
        "before rmmod, %d while it ran (%.3f s)" % (
            fl.n, len([t for t in ts if td - 0.3 <= t < td]),
            len([t for t in ts if td <= t <= tdone]), tdone - td))
    ft.close()
    eq([round(t - tdone, 3) for t in ts if t > tdone], [],
       "frames sent by h1 after rmmod returned (s after)")
    tw.check("after rmmod during the query flood")
    gone("after rmmod during the flood", base1)

    # (Max Resp Time, delay before the unload, how)
    cases = [(0, 0.0, "syscall"), (0, 0.002, "syscall"), (0, 0.0, "rmmod"),
             (1.0, 0.3, "rmmod"), (1.0, 0.05, "syscall")]
    for i, (mrt, delay, how) in enumerate(cases):
        step("5: unload during general responses (%d/%d: MRT %.1f s, "
             "unload after %.3f s by %s)" % (i + 1, len(cases), mrt, delay,
                                             how))
        m.insmod(*PARAMS)
        batch("h1", G1B)
        cap = m.Capture("p1", PEER)
        t0 = time.time()
        for f in FAMS:
            cap.send(query(f, mrt))
        time.sleep(delay)
        unload(how)
        tu = time.time()
        time.sleep(0.3)
        cap.settle()
        gone("after unload %d" % (i + 1), base1)
        tw.check("after unload %d" % (i + 1))
        for f in FAMS:
            ps = cap.get(t0, fam=f)
            for p in ps:
                m.check_framing(p, ADDR[("h1", f)], "interrupted response")
            recs = m.records(ps)
            eq([r for r in recs if r[0] != IS_EX or r[2]][:5], [],
               "%s records other than IS_EX{} in the interrupted response"
               % f)
            cnt = collections.Counter(r[1] for r in recs)
            eq(sorted(g for g, k in cnt.items() if k > 1)[:5], [],
               "%s groups reported twice in the interrupted response" % f)
            eq([p for p in ps if p.t > tu], [], "%s packets after the "
               "unload returned" % f)
            log("%s: %d of %d groups reported before the unload" % (
                f, len(cnt), N[f]))
        cap.close()


def setup():
    m.netns_add(NS)
    m.netns_add(PEER)
    for h, p in (("h0", "p0"), ("h1", "p1")):
        m.veth(h, NS, p, PEER, up=False)
        m.ipv6_quiet(PEER, p, disable=True)
        ip("link set %s up" % p, ns=PEER)
        m.quiet_host(NS, h, ADDR[(h, IGMP)], ADDR[(h, MLD)], up=False)


def body():
    tw = m.TaintWatch()
    # Thousands of reports in a burst: more than the default backlog (1000)
    # of the receiving veth may hold when softirqs lag on a loaded host.
    m.sysctl(None, "net.core.netdev_max_backlog", 100000)
    setup()
    m.fresh_module(*PARAMS)
    e = Env()
    # Up just before the joins: the first reports leave at once.
    ip("link set h0 up", ns=NS)
    ip("link set h1 up", ns=NS)
    base = {d: sorted(m.maddr_links(d, NS)) for d in ("h0", "h1")}

    step("1: %d + %d groups on h0 with one mchostctl -b" % (N[IGMP], N[MLD]))
    t0 = time.time()
    batch("h0", G0)
    announced(e, "h0", t0, G0, "the joins on h0")
    eq(sorted(m.maddr_links("h0", NS)), sorted(base["h0"] + [
        m.mcast_mac(g) for f in FAMS for g in G0[f]]), "ip maddr of h0")
    st = m.proc_iface_state("h0", NS)
    eq((st["groups4"], st["groups6"]), (N[IGMP], N[MLD]), "h0's groups")
    t0 = time.time()
    batch("h1", G1)
    announced(e, "h1", t0, G1, "the joins on h1")

    for f in FAMS:
        step("2: one %s general query: %d groups in %d packets" % (
            f, N[f], -(-N[f] // f.per_pkt(1500))))
        general(e, "h0", f, G0[f], "%s general query to h0" % f)
        general(e, "h1", f, G1[f], "%s general query to h1" % f)
    m.check_stats_cli(NS)
    for f in FAMS:
        big_records(e, f)

    c = m.counters(NS)
    eq({f.name: c[f.name]["snd_errors"] for f in FAMS}, {"igmp": 0,
                                                         "mld": 0},
       "snd_errors before the deletion")
    step("4: ip link del h0 during response bursts of both families")
    # Deleting h0 deletes p0 too, and the capture with it: the counters
    # show the bursts instead.
    e.cap.pop("h0").close()
    tx = m.L2Sender("p0", PEER)
    fl = Flood(tx)
    busy("h0", 3 * -(-N[MLD] // MLD.per_pkt(1500)))
    ip("link del h0", ns=NS)
    fl.stop()
    tx.close()
    tw.check("after deleting h0 during response bursts")
    eq([ln.split()[0] for ln in m.proc_interfaces(NS)], ["h1", "lo"],
       "devices in interfaces")
    idx1 = m.ifindex("h1", NS)
    m.expect_members([m.Member("h1", g, "exclude", ifindex=idx1)
                      for f in FAMS for g in G1[f]], ns=NS,
                     what="h1 after deleting h0", do_json=False)
    eq(sorted(m.maddr_links("h1", NS)), sorted(base["h1"] + [
        m.mcast_mac(g) for f in FAMS for g in G1[f]]), "ip maddr of h1")
    c = m.counters(NS)
    m.check_invariant(c, "after deleting h0")
    # What was on its way out when h0 went could not be sent.
    log("snd_errors after the deletion: %s" % {f.name: c[f.name][
        "snd_errors"] for f in FAMS})
    for f in FAMS:
        general(e, "h1", f, G1[f], "%s general query to h1 after deleting "
                "h0" % f)

    unloads(e, tw, base["h1"])
    step("the module loads again: h1 without groups")
    m.insmod()
    st = m.proc_iface_state("h1", NS)
    eq((st["groups4"], st["groups6"]), (0, 0), "h1 after a new insmod")
    eq(m.show_lines(NS), [], "memberships after a new insmod")
    m.rmmod()
    eq(sorted(m.maddr_links("h1", NS)), base["h1"], "ip maddr of h1 at the "
       "end")
    tw.check()


if __name__ == "__main__":
    m.main(body)
