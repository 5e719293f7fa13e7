#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t85-send-limits: general responses larger than one timer firing's
budget of 64 packets, and reports the output path refuses; for IGMP and
MLD, meant for 2 vCPUs (the responses race with joins and leaves).

netns h: h0 (MTU 1280, MLD), h1 (MTU 300, IPv6 off by the MTU: IGMP), h2
and h3 (MTU 1500), veth peers p0-p3 in netns p, where queries are sent and
everything h sends is captured. robustness=1 (and the queries say QRV 1):
every change is sent once.

  1  4,000 groups on h0 and on h1: one general query each is answered by
     one IS_EX{} record per group, in exactly ceil(4,000 / per packet)
     packets (66 MLD at MTU 1280, 122 IGMP at MTU 300), all but the last
     full; the mchost hrtimer fires at least ceil(packets / 64) times while
     they are sent (tracefs), so no firing sent more than 64.
  2  the same responses while `mchostctl -b` leaves 500 groups and joins
     1,000 new ones a family (the hash grows meanwhile): every group that
     stayed is reported exactly once, a left or new one at most once;
     every leave is reported by one TO_IN{}, every join by one TO_EX{}.
  0  the joins' state-change reports: each join's record once, those of a
     batch JOIN (256 lines of `mchostctl -b` at most) packed.
  3  an nftables OUTPUT chain with policy drop: state changes, v3 general
     responses, IGMPv1/v2 and MLDv1 reports and Leave/Done messages are
     built and refused: snd_errors counts each refused packet exactly,
     snd_reports none, nothing reaches the wire. 2,000 refused response
     packets leave no sk_buff or buffer behind (/proc/slabinfo; not on a
     KASAN kernel, whose quarantine holds freed objects).
  4  a qdisc that drops everything (pfifo limit 0): the same.
  5  no route: MTU 1200 disables IPv6 on h3; MLD joins and leaves there
     fail (snd_errors), IGMP on h3 is still sent.
  In 3 to 5, each refused packet is one mchost:send_error event with its
  device, family and errno: EPERM (netfilter), ENOBUFS (qdisc),
  ENETUNREACH (no route).
Then the counters' invariant, rmmod, no kernel report, no taint.
"""
import errno
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (FAMS, IGMP, IS_EX, MLD, TO_EX, TO_IN, check, ctl, eq, ip,
                   log, step)

NS, PEER = "h", "p"
N = 4000
BUDGET = 64                 # packets one firing builds (module/netns.c)
ADDR = {"h0": ("10.0.0.2", "fe80::2"), "h1": ("10.0.1.2", None),
        "h2": ("10.0.2.2", "fe80::4"), "h3": ("10.0.3.2", "fe80::6")}
QSRC = {IGMP: "10.0.9.1", MLD: "fe80::1"}
KINDS = ("snd_v1_reports", "snd_v2_reports", "snd_leaves", "snd_v3_reports")
SLABS = ("skbuff_head_cache", "skbuff_small_head", "kmalloc-512",
         "kmalloc-1k", "kmalloc-2k", "kmalloc-4k")


def groups(f, tag, n, start=0):
    base = "239.%d.0.0" % tag if f is IGMP else "ff0e::%x:0:0" % tag
    return [m.addr_add(base, start + i) for i in range(n)]


def src_of(dev, f):
    return ADDR[dev][0 if f is IGMP else 1]


def batch(lines, timeout=300):
    ctl(["-b", "-"], ns=NS, timeout=timeout, input="".join(
        ln + "\n" for ln in lines))


def join_lines(dev, gs):
    return ["join dev %s group %s" % (dev, g) for g in gs]


def leave_lines(dev, gs):
    return ["leave dev %s group %s" % (dev, g) for g in gs]


def wait_counter(f, name, c0, n, what, timeout=60):
    """Wait until counter name of f has grown by n since c0; fail if it
    grows beyond."""
    def now():
        return m.counters(NS)[f.name][name] - c0[f.name][name]
    m.wait_for(lambda: now() >= n, timeout, "%s: %s %s +%d (at +%d)" %
               (what, f, name, n, now()), interval=0.05)
    time.sleep(0.3)         # anything beyond n would be sent by now
    eq(now(), n, "%s: %s %s" % (what, f, name))


def snd_delta(c0, f, what, sent=0, errors=0, kind=None):
    """Exact changes of the send counters of f since c0: `sent` packets
    handed to the output path (of kind, counted by kind too), `errors`
    refused ones."""
    d = m.delta(c0, m.counters(NS))[f.name]
    got = {k: d[k] for k in ("snd_reports", "snd_errors")}
    eq(got, {"snd_reports": sent, "snd_errors": errors},
       "%s: %s snd_reports / snd_errors" % (what, f))
    if not errors:
        eq({k: d[k] for k in KINDS},
           {k: sent if k == kind else 0 for k in KINDS},
           "%s: %s packets sent by kind" % (what, f))


class Env:
    def __init__(self):
        self.cap = {}

    def capture(self, dev):
        if dev not in self.cap:
            self.cap[dev] = m.Capture("p" + dev[1], PEER)
        return self.cap[dev]

    def ours(self, dev, f, since):
        """mchost's packets of family f from dev since `since`, with their
        framing checked."""
        cap = self.capture(dev)
        cap.settle()
        ps = cap.get(since, fam=f, pred=lambda p: p.kind() != "query")
        for p in ps:
            m.check_framing(p, src_of(dev, f), "%s on %s" % (f, dev))
        return ps

    def query(self, dev, f, level=3, mrt=1.0, code=None):
        """A general query on dev's peer; returns its send time."""
        return self.capture(dev).send(f.frame(f.query(
            QSRC[f], level=level, mrt=mrt, code=code, qrv=1)))


def setup():
    m.fresh_module("robustness=1")
    m.netns_add(NS)
    m.netns_add(PEER)
    for dev, (a4, ll) in ADDR.items():
        peer = "p" + dev[1]
        m.veth(dev, NS, peer, PEER, up=False)
        m.ipv6_quiet(PEER, peer, disable=True)
        ip("link set %s up" % peer, ns=PEER)
        m.quiet_host(NS, dev, a4, ll)
    ip("link set h0 mtu 1280", ns=NS)
    ip("link set h1 mtu 300", ns=NS)


def big_responses(e, G):
    step("general responses of %d groups at MTU 1280 (MLD) and 300 (IGMP)"
         % N)
    tc = m.TimerCount()
    for dev, f, mtu in (("h0", MLD, 1280), ("h1", IGMP, 300)):
        per = f.per_pkt(mtu)
        npk = math.ceil(N / per)
        check(npk > BUDGET, "%s: %d packets do not exceed the budget" %
              (f, npk))
        c0 = m.counters(NS)
        tc.start()
        t = e.query(dev, f)
        wait_counter(f, "snd_reports", c0, npk, "general response")
        fired = m.engine_timers(tc.stop(), ("mchost",))
        ps = e.ours(dev, f, t)
        eq(len(ps), npk, "%s: packets of the general response (%d records "
           "a packet at MTU %d)" % (f, per, mtu))
        eq(sorted(m.records(ps)), sorted(m.rec(IS_EX, g) for g in G[f]),
           "%s: records of the general response (each group once)" % f)
        eq([len(p.records) for p in ps[:-1]], [per] * (npk - 1),
           "%s: records in each packet but the last" % f)
        check(all(p.iplen <= mtu for p in ps), "%s: a packet over MTU %d" %
              (f, mtu))
        snd_delta(c0, f, "general response", sent=npk, kind="snd_v3_reports")
        n = fired["hrtimer_expire_entry"]
        check(n >= math.ceil(npk / BUDGET), "%s: %d packets in %d timer "
              "firings: one firing sent more than %d" % (f, npk, n, BUDGET))
        log("%s: %d groups, %d packets, %d mchost timer firings" %
            (f, N, npk, n))


def racing_changes(e, G):
    step("general responses while 500 groups leave and 1,000 join a "
         "family")
    left = {f: G[f][::8] for f in FAMS}
    new = {f: groups(f, 86, 1000) for f in FAMS}
    stay = {f: sorted(set(G[f]) - set(left[f])) for f in FAMS}
    dev = {MLD: "h0", IGMP: "h1"}
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "race.batch")
    with open(path, "w") as fh:
        for i in range(1000):
            for f in FAMS:
                if i < 500:
                    fh.write("leave dev %s group %s\n" % (dev[f], left[f][i]))
                fh.write("join dev %s group %s\n" % (dev[f], new[f][i]))
    c0 = m.counters(NS)
    t = time.time()
    # nsenter, not a preexec_fn: this process has capture threads.
    p = subprocess.Popen(["nsenter", "--net=/run/netns/" + NS, m.CTL, "-b",
                          path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)
    for f in FAMS:
        e.query(dev[f], f, code=0)      # Max Resp Code 0: at once
    out, err = p.communicate(timeout=300)
    eq((p.returncode, out, err), (0, "", ""), "the racing batch")
    for f in FAMS:
        wait_counter(f, "rcv_queries", c0, 1, "the query")
        # Quiet: no packet for a second.
        last = [None]

        def quiet():
            v = m.counters(NS)[f.name]["snd_reports"]
            ok = v == last[0]
            last[0] = v
            return ok
        m.wait_for(quiet, 60, "%s: the sends to end" % f, interval=1.0)
        recs = m.records(e.ours(dev[f], f, t))
        count = {}
        for r in recs:
            count[r] = count.get(r, 0) + 1
        eq({r: n for r, n in count.items() if n > 1}, {},
           "%s: records sent more than once" % f)
        want = {m.rec(IS_EX, g) for g in stay[f]} | \
            {m.rec(TO_IN, g) for g in left[f]} | \
            {m.rec(TO_EX, g) for g in new[f]}
        maybe = {m.rec(IS_EX, g) for g in left[f] + new[f]}
        eq(set(count) - maybe, want, "%s: records after the racing changes "
           "(IS_EX of every group that stayed, TO_IN of every leave, TO_EX "
           "of every join)" % f)
        log("%s: %d of the %d left and %d of the %d new groups were in the "
            "response" % (f, len([g for g in left[f]
                                  if m.rec(IS_EX, g) in count]),
                          len(left[f]),
                          len([g for g in new[f] if m.rec(IS_EX, g) in count]),
                          len(new[f])))
        d = m.delta(c0, m.counters(NS))[f.name]
        eq(d["snd_errors"], 0, "%s snd_errors" % f)
    batch(leave_lines(dev[MLD], stay[MLD] + new[MLD]) +
          leave_lines(dev[IGMP], stay[IGMP] + new[IGMP]))
    m.expect_members([], NS, "after leaving every group of h0 and h1",
                     do_json=False)


def leak_check(e):
    step("2,000 refused response packets leak nothing")
    before = m.slab_active(SLABS)
    c0 = m.counters(NS)
    dev = {MLD: "h0", IGMP: "h1"}
    npk = {MLD: math.ceil(N / MLD.per_pkt(1280)),
           IGMP: math.ceil(N / IGMP.per_pkt(300))}
    rounds = 0
    while sum(npk.values()) * rounds < 2000:
        c1 = m.counters(NS)
        t = time.time()
        for f in FAMS:
            e.query(dev[f], f, code=0)
        for f in FAMS:
            wait_counter(f, "snd_errors", c1, npk[f], "refused response %d"
                         % (rounds + 1))
            eq(e.ours(dev[f], f, t), [], "%s packets on the wire" % f)
        rounds += 1
    refused = sum(npk.values()) * rounds
    for f in FAMS:
        snd_delta(c0, f, "%d refused responses" % rounds,
                  errors=npk[f] * rounds)
    after = m.slab_active(SLABS)
    grown = {k: after[k] - before.get(k, 0) for k in after}
    log("%d packets refused; slab objects grown: %s" % (refused, grown))
    if any("KernelAddressSanitizer initialized" in ln
           for ln in m.dmesg_lines()[:2000]):
        # Its quarantine keeps up to 1/32 of the memory in freed objects
        # that /proc/slabinfo still counts as active.
        log("KASAN kernel: slab growth not compared (quarantine)")
        return
    # A leak of one object a packet would show as +refused: allow the
    # slabs' per-CPU caching, a few hundred objects.
    eq({k: v for k, v in grown.items() if v > refused // 8}, {},
       "slab caches grown by more than %d objects after %d refused packets"
       % (refused // 8, refused))


class Traced:
    """The mchost:send_error events of the refused packets, against what
    each step expects: {(device, family, -errno): count}."""

    def __init__(self):
        self.se = m.SendErrors("t85")
        self.want = {}

    def expect(self, dev, f, n, err):
        k = (dev, f.name, -err)
        self.want[k] = self.want.get(k, 0) + n

    def check(self, what):
        got = {}
        for k in self.se.lines():
            got[k] = got.get(k, 0) + 1
        eq(got, self.want, "%s: send_error events (device, family, errno)"
           % what)


def refused(e):
    step("an nftables OUTPUT rule drops everything: each packet refused "
         "counts in snd_errors")
    dev = "h2"
    tr = Traced()
    G = {f: groups(f, 87, 100) for f in FAMS}
    m.nft_drop_output(NS, True)
    c0 = m.counters(NS)
    t = time.time()
    batch(join_lines(dev, G[IGMP] + G[MLD]))
    for f in FAMS:
        # One batch JOIN: its records packed, each report refused.
        npk = math.ceil(len(G[f]) / f.per_pkt(1500))
        wait_counter(f, "snd_errors", c0, npk, "joins (TO_EX)")
        snd_delta(c0, f, "100 joins", errors=npk)
        eq(e.ours(dev, f, t), [], "%s packets on the wire" % f)
        tr.expect(dev, f, npk, errno.EPERM)
    tr.check("100 joins")
    for f in FAMS:
        c0 = m.counters(NS)
        t = e.query(dev, f)
        npk = math.ceil(len(G[f]) / f.per_pkt(1500))
        wait_counter(f, "snd_errors", c0, npk, "v3 general response")
        snd_delta(c0, f, "v3 general response", errors=npk)
        eq(e.ours(dev, f, t), [], "%s packets on the wire" % f)
        tr.expect(dev, f, npk, errno.EPERM)
    tr.check("v3 general responses")

    step("IGMPv2 and MLDv1 reports sent, then Leave/Done refused")
    m.nft_drop_output(NS, False)
    for f in FAMS:
        c0 = m.counters(NS)
        t = e.query(dev, f, level=2, mrt=0.5)
        wait_counter(f, "snd_reports", c0, len(G[f]), "v2 reports")
        snd_delta(c0, f, "v2 reports", sent=len(G[f]), kind="snd_v2_reports")
        eq(sorted(p.group for p in e.ours(dev, f, t)), sorted(G[f]),
           "%s: one v2 report a group" % f)
    m.nft_drop_output(NS, True)
    gone = {f: G[f][:20] for f in FAMS}
    G = {f: G[f][20:] for f in FAMS}
    c0 = m.counters(NS)
    t = time.time()
    batch(leave_lines(dev, gone[IGMP] + gone[MLD]))
    for f in FAMS:
        wait_counter(f, "snd_errors", c0, 20, "Leave/Done")
        snd_delta(c0, f, "20 Leave/Done", errors=20)
        eq(e.ours(dev, f, t), [], "%s packets on the wire" % f)
        tr.expect(dev, f, 20, errno.EPERM)
    tr.check("20 Leave/Done")

    step("IGMPv2, MLDv1 and IGMPv1 reports refused")
    for f, level in ((IGMP, 2), (MLD, 2), (IGMP, 1)):
        c0 = m.counters(NS)
        t = e.query(dev, f, level=level, mrt=0.5)
        wait_counter(f, "snd_errors", c0, len(G[f]), "v%d reports" % level)
        snd_delta(c0, f, "v%d reports" % level, errors=len(G[f]))
        eq(e.ours(dev, f, t), [], "%s packets on the wire" % f)
        tr.expect(dev, f, len(G[f]), errno.EPERM)
    tr.check("IGMPv2, MLDv1 and IGMPv1 reports")
    m.nft_drop_output(NS, False)
    c0 = m.counters(NS)
    t = e.query(dev, IGMP, level=1, mrt=0.5)
    wait_counter(IGMP, "snd_reports", c0, len(G[IGMP]), "v1 reports")
    snd_delta(c0, IGMP, "v1 reports, the rule gone", sent=len(G[IGMP]),
              kind="snd_v1_reports")
    eq(sorted(p.group for p in e.ours(dev, IGMP, t)), sorted(G[IGMP]),
       "one IGMPv1 report a group")

    step("a qdisc that drops everything (pfifo limit 0)")
    dev = "h3"
    G = {f: groups(f, 88, 50) for f in FAMS}
    m.run(["tc", "-n", NS, "qdisc", "add", "dev", dev, "root", "pfifo",
           "limit", "0"])
    c0 = m.counters(NS)
    t = time.time()
    batch(join_lines(dev, G[IGMP] + G[MLD]))
    for f in FAMS:
        npk = math.ceil(len(G[f]) / f.per_pkt(1500))
        wait_counter(f, "snd_errors", c0, npk, "joins (TO_EX)")
        snd_delta(c0, f, "50 joins", errors=npk)
        eq(e.ours(dev, f, t), [], "%s packets on the wire" % f)
        tr.expect(dev, f, npk, errno.ENOBUFS)
    tr.check("50 joins, the qdisc dropping")
    m.run(["tc", "-n", NS, "qdisc", "del", "dev", dev, "root"])

    step("no route: MTU 1200 disables IPv6 on h3")
    ip("link set h3 mtu 1200", ns=NS)
    more = {f: groups(f, 89, 30) for f in FAMS}
    c0 = m.counters(NS)
    t = time.time()
    batch(join_lines(dev, more[IGMP] + more[MLD]) +
          leave_lines(dev, G[MLD][:10]))
    # The joins are one batch JOIN (one report a family), a leave is a
    # request of its own.
    wait_counter(MLD, "snd_errors", c0, 11, "MLD joins and leaves")
    snd_delta(c0, MLD, "30 MLD joins, 10 leaves", errors=11)
    eq(e.ours(dev, MLD, t), [], "MLD packets on the wire")
    tr.expect(dev, MLD, 11, errno.ENETUNREACH)
    wait_counter(IGMP, "snd_reports", c0, 1, "IGMP joins")
    snd_delta(c0, IGMP, "30 IGMP joins", sent=1, kind="snd_v3_reports")
    eq(sorted(m.records(e.ours(dev, IGMP, t))),
       sorted(m.rec(TO_EX, g) for g in more[IGMP]), "IGMP joins at MTU 1200")
    tr.check("no route")
    tr.se.close()


def body():
    tw = m.TaintWatch()
    kr = m.KernelReports()
    setup()
    e = Env()
    step("%d groups joined on h0 (MLD) and on h1 (IGMP)" % N)
    G = {MLD: groups(MLD, 85, N), IGMP: groups(IGMP, 85, N)}
    for dev in ("h0", "h1", "h2", "h3"):
        e.capture(dev)
    c0 = m.counters(NS)
    t = time.time()
    batch(join_lines("h0", G[MLD]) + join_lines("h1", G[IGMP]))
    for f, dev, mtu in ((MLD, "h0", 1280), (IGMP, "h1", 300)):
        # RV 1: each join's TO_EX{} once, the records of a batch JOIN (up
        # to 256 lines) packed.
        m.wait_for(lambda: len(m.records(e.ours(dev, f, t))) >= N, 60,
                   "%s: the announcements" % f)
        time.sleep(0.3)
        ps = e.ours(dev, f, t)
        eq(sorted(m.records(ps)), sorted(m.rec(TO_EX, g) for g in G[f]),
           "%s: the announcements' records (each join once)" % f)
        snd_delta(c0, f, "announcements", sent=len(ps),
                  kind="snd_v3_reports")
        most = math.ceil(N / f.per_pkt(mtu)) + \
            2 * math.ceil(N / m.MCHOST_BATCH_MAX)
        check(len(ps) <= most, "%s: %d reports for %d joins, more than %d: "
              "not packed" % (f, len(ps), N, most))
        log("%s: %d joins announced in %d reports" % (f, N, len(ps)))
    big_responses(e, G)
    m.nft_drop_output(NS, True)
    leak_check(e)
    m.nft_drop_output(NS, False)
    racing_changes(e, G)
    refused(e)

    step("counters, rmmod, kernel log")
    c = m.check_stats_cli(NS)
    m.check_invariant(c, "at the end")
    for cap in e.cap.values():
        cap.close()
    m.rmmod()
    kr.check()
    tw.check()


if __name__ == "__main__":
    m.main(body)
