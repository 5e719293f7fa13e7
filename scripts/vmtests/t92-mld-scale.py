#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t92-mld-scale: 2,000 IPv6 groups on one device, and teardown during
response bursts.

netns h: h0 and h1 (link-local addresses only, nodad, `arp off`: the stock
stack sends no MLD there), veth peers p0 / p1 in netns p (IPv6 disabled),
where the queries are sent and everything h sends is captured and parsed
from raw bytes. Module parameters: robustness=1, coalesce_ms=20.

  1  2,000 ASM groups ff0e::1:0 + i joined with one `mchostctl -b`: each is
     announced by exactly one TO_EX{} record (RV=1); ip maddr holds them.
  2  one MLDv2 general query: every group reported exactly once (IS_EX{}),
     in exactly ceil(2000/72) = 28 packets (72 zero-source records fill a
     1500-byte MTU: 40 + 8 + 8 + 72 * 20 = 1496), all within the MRD.
  3  `ip link del h0` while general queries (MRC 0) keep h0 building
     responses: clean (no taint), h0 gone from /proc, h1 untouched (its
     memberships, its ip maddr) and still answering.
  4  2,000 groups on h1, then `rmmod` while general queries keep h1 busy:
     clean, /proc/net/mchost and /sys/module/mchost gone, h1's ip maddr back
     to what it was before mchost joined anything (nothing leaked); the
     module loads again and sees h1 with no groups.
"""
import ipaddress
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import IS_EX, TO_EX, check, ctl, eq, ip, log, step

NS, PEER = "h", "p"
LL = {"h0": "fe80::2", "h1": "fe80::3"}
Q_LL = "fe80::1"
N = 2000
PER_PKT = 72            # (1500 - 40 - 8 - 8) // 20


DEFERRED = []


def soft(fn):
    """Run a check; a failure is reported at the end of the test, so that
    the checks after it still run."""
    try:
        fn()
    except m.TestFail as e:
        log("DEFERRED FAILURE: %s" % e)
        DEFERRED.append(str(e))


def groups(base, n):
    b = int(ipaddress.ip_address(base))
    return [str(ipaddress.ip_address(b + i)) for i in range(n)]


G0 = groups("ff0e::1:0", N)        # on h0
G1 = groups("ff0e::2:0", 100)      # on h1 (the survivor)
G1B = groups("ff0e::3:0", N)       # on h1, before rmmod


def query_bytes(mrd=1000):
    """A general query; QRV 1 keeps the Robustness Variable at 1."""
    return m.ipv6(Q_LL, "ff02::1", 58, m.mld_v2_query(Q_LL, "ff02::1",
                                                       mrd=mrd, qrv=1))


class Flood:
    """Send MLDv2 general queries with MRC 0 on a peer device every ~5 ms
    in a thread: each restarts h's general response at once."""

    def __init__(self, tx):
        self.tx, self.n, self.stop_ev = tx, 0, threading.Event()
        self.frame = m.frame6(query_bytes(mrd=0))
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                self.tx.send(self.frame)
                self.n += 1
            except (OSError, m.TestFail):
                pass
            time.sleep(0.005)

    def stop(self):
        self.stop_ev.set()
        self.th.join(5)


def busy(dev, n):
    """Wait until dev has sent n more MLDv2 reports (the flood is
    answered), then 0.2 s more; returns the counters from the start of
    those 0.2 s (with "t") and from their end, after checking that packets
    were sent in them: the device is busy at that moment."""
    c0 = m.counters(NS)["mld"]["snd_v3_reports"]
    m.wait_for(lambda: m.counters(NS)["mld"]["snd_v3_reports"] - c0 >= n,
               30, "%d response packets from %s to the query flood" %
               (n, dev), interval=0.05)
    ta = dict(m.counters(NS)["mld"], t=time.monotonic())
    time.sleep(0.2)
    cf = m.counters(NS)["mld"]
    check(cf["snd_v3_reports"] > ta["snd_v3_reports"],
          "%s sent no response in the last 0.2 s of the query flood" % dev)
    return ta, cf


class FrameTimes:
    """The kernel receive times (monotonic clock) of the IPv6 frames
    arriving on dev, without parsing them (cheap during bursts)."""

    def __init__(self, dev, ns):
        with m.in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET,
                                        socket.SOCK_RAW,
                                        socket.htons(m.ETH_P_ALL))
            self.sock.bind((dev, m.ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, m.SO_RCVBUFFORCE, 32 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, m.SO_TIMESTAMPNS, 1)
        self.sock.settimeout(0.1)
        self.times, self.last = [], time.monotonic()
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                data, anc, _, addr = self.sock.recvmsg(128, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            self.last = time.monotonic()
            if addr[2] == m.PACKET_OUTGOING or addr[1] != m.ETH_P_IPV6:
                continue
            for lvl, typ, val in anc:
                if typ == m.SO_TIMESTAMPNS and len(val) >= 16:
                    sec, nsec = struct.unpack("@qq", val[:16])
                    self.times.append(sec + nsec / 1e9 -
                                      (time.time() - time.monotonic()))

    def settle(self):
        m.wait_for(lambda: time.monotonic() - self.last >= 0.3, 60,
                   "the frame capture to catch up", interval=0.05)

    def get(self):
        return list(self.times)

    def close(self):
        self.stop_ev.set()
        self.th.join(2)
        self.sock.close()


def batch_join(dev, gs):
    t0 = time.monotonic()
    r = ctl(["-b", "-"], ns=NS, input="".join(
        "join dev %s group %s\n" % (dev, g) for g in gs), timeout=120)
    eq(r.stderr, "", "mchostctl -b stderr")
    log("%d joins on %s with mchostctl -b: %.2fs" %
        (len(gs), dev, time.monotonic() - t0))


def records_by_group(pkts):
    out = {}
    for r in m.mld_records(pkts):
        out.setdefault(r[1], []).append(r)
    return out


def check_announced(e, dev, since, gs, what):
    """Each group of gs announced by exactly one TO_EX{} record (RV=1)."""
    cap = e.cap[dev]
    want = set(m.canon(g) for g in gs)

    def done(ps):
        return len(set(records_by_group(ps)) & want) == len(want)
    try:
        cap.wait(done, 30, "%s: a TO_EX{} for each of %d groups" %
                 (what, len(want)), since=since)
    except m.TestFail as e:
        ps = cap.get(since)
        c = m.counters(NS)["mld"]
        m.fail("%s\n%d of the groups announced; mld counters: %s" % (
            e, len(set(records_by_group(ps)) & want),
            {k: c[k] for k in ("snd_v3_reports", "snd_reports",
                               "snd_errors")}))
    time.sleep(0.5)
    ps = cap.get(since)
    for p in ps:
        m.check_report_ip6(p, LL[dev], what)
    bad = [p for p in ps if p.type != m.MLD_V2_REPORT]
    check(not bad, "%s: not MLDv2 reports: %r" % (what, bad[:5]))
    by = records_by_group(ps)
    eq(set(by), want, "%s: groups announced" % what)
    wrong = {g: r for g, r in by.items() if r != [m.rec6(TO_EX, g)]}
    eq(wrong, {}, "%s: groups not announced by exactly one TO_EX{}" % what)
    log("%s: %d records in %d packets" % (what, len(m.mld_records(ps)),
                                          len(ps)))


def general_response(e, dev, gs, what, mrt=1.0):
    """One general query to dev: every group of gs reported exactly once
    (IS_EX{}) in exactly ceil(len/72) packets of at most 1500 bytes, all
    within the MRD."""
    cap, tx = e.cap[dev], e.tx[dev]
    n_pkts = -(-len(gs) // PER_PKT)
    c0 = m.counters(NS)["mld"]
    t0 = time.monotonic()
    tx.send(m.frame6(query_bytes(mrd=int(mrt * 1000))))
    cap.wait(lambda ps: len(m.mld_records(ps)) >= len(gs), mrt + 5,
             "%s: %d records" % (what, len(gs)), since=t0)
    time.sleep(max(0, t0 + mrt + 0.5 - time.monotonic()))
    ps = cap.get(t0)
    for p in ps:
        m.check_report_ip6(p, LL[dev], what)
    by = records_by_group(ps)
    eq(set(by), set(m.canon(g) for g in gs), "%s: groups reported" % what)
    wrong = {g: r for g, r in by.items() if r != [m.rec6(IS_EX, g)]}
    eq(wrong, {}, "%s: groups not reported exactly once as IS_EX{}" % what)
    log("%s: records per packet, in order: %s" % (
        what, [len(p.records) for p in ps]))
    soft(lambda: eq(len(ps), n_pkts, "%s: packets (ceil(%d/%d))" % (
        what, len(gs), PER_PKT)))
    soft(lambda: eq(str(sorted(len(p.records) for p in ps)),
                    str(sorted([PER_PKT] * (len(gs) // PER_PKT) +
                               ([len(gs) % PER_PKT] if len(gs) % PER_PKT
                                else []))),
                    "%s: records per packet (sorted)" % what))
    big = [len(p.raw) for p in ps if len(p.raw) > 1500]
    eq(big, [], "%s: packets over the 1500-byte MTU" % what)
    late = [round(p.t - t0, 3) for p in ps if p.t - t0 > mrt + 0.6]
    eq(late, [], "%s: packets after the MRD of %.1fs" % (what, mrt))
    c = m.counters(NS)["mld"]
    eq({k: c[k] - c0[k] for k in ("snd_v3_reports", "snd_reports",
                                  "snd_errors", "snd_truncated")},
       {"snd_v3_reports": len(ps), "snd_reports": len(ps), "snd_errors": 0,
        "snd_truncated": 0}, "%s: counters" % what)
    log("%s: %d packets (%s bytes) after %.3f-%.3fs" % (
        what, len(ps), sorted({len(p.raw) for p in ps}),
        ps[0].t - t0, ps[-1].t - t0))


SX = ["2001:db8:7::%x" % (i + 1) for i in range(200)]
SY = ["2001:db8:8::%x" % (i + 1) for i in range(200)]
GX, GY = "ff3e::7:7", "ff0e::8:8"
FIT = (1500 - 48 - 8 - 20) // 16        # 89 sources in one record


def collect(e, dev, action, n_recs, what, wait=1.5):
    """Run action(); return the MLD packets dev sends until n_recs records
    arrived and `wait` more seconds passed, with the snd_* deltas."""
    c0 = m.counters(NS)["mld"]
    t0 = time.monotonic()
    action()
    e.cap[dev].wait(lambda ps: len(m.mld_records(ps)) >= n_recs, 5,
                    "%s: %d records" % (what, n_recs), since=t0)
    time.sleep(wait)
    ps = e.cap[dev].get(t0)
    for p in ps:
        m.check_report_ip6(p, LL[dev], what)
    big = [len(p.raw) for p in ps if len(p.raw) > e.mtu[dev]]
    eq(big, [], "%s: packets over the %d-byte MTU" % (what, e.mtu[dev]))
    c = m.counters(NS)["mld"]
    d = {k: c[k] - c0[k] for k in ("snd_v3_reports", "snd_truncated",
                                   "snd_errors")}
    log("%s: %d packets of %s bytes; records per packet: %s" % (
        what, len(ps), [len(p.raw) for p in ps],
        " | ".join(runs(p.records) for p in ps)))
    return ps, d


def runs(records):
    """'IS_EX{0}x22 IS_IN{89}': records by type and source count, runs of
    equal ones counted."""
    out = []
    for r in records:
        k = "%s{%d}" % (m.REC_NAMES[r[0]], len(r[2]))
        if out and out[-1][0] == k:
            out[-1][1] += 1
        else:
            out.append([k, 1])
    return " ".join(k + ("x%d" % n if n > 1 else "") for k, n in out)


def split_ok(ps, rtype, group, sources, what):
    """A record too large for one packet, split into same-type records of
    at most FIT sources, one per packet, together the whole list once."""
    recs = m.mld_records(ps)
    eq({(r[0], r[1]) for r in recs}, {(rtype, m.canon(group))},
       "%s: record types" % what)
    got = [s for r in recs for s in r[2]]
    eq(m.sort_sources(got), m.sort_sources(sources),
       "%s: every source exactly once over the split records" % what)
    eq(sorted(len(r[2]) for r in recs),
       sorted([FIT] * (len(sources) // FIT) + [len(sources) % FIT]),
       "%s: sources per record (at most %d)" % (what, FIT))
    eq(len(ps), len(recs), "%s: one record per packet" % what)


def truncated_ok(ps, d, rtype, group, sources, what):
    """An IS_EX / TO_EX record too large: one record with the FIT sources
    that fit (RFC 9777 §5.2.15), counted in snd_truncated."""
    recs = m.mld_records(ps)
    eq([(r[0], r[1], len(r[2])) for r in recs],
       [(rtype, m.canon(group), FIT)], "%s: one truncated record" % what)
    check(set(recs[0][2]) <= set(m.sort_sources(sources)),
          "%s: sources not in the filter" % what)
    eq(d, {"snd_v3_reports": 1, "snd_truncated": 1, "snd_errors": 0},
       "%s: counters" % what)


def big_records(e):
    step("2b: records with 200 sources on h1: split, or truncated")
    ps, d = collect(e, "h1", lambda: ctl(m.join_args(
        "h1", GX, "include", SX), ns=NS), 3, "join GX INCLUDE{200 sources}")
    split_ok(ps, m.ALLOW, GX, SX, "join GX INCLUDE{200 sources}")
    ps, d = collect(e, "h1", lambda: ctl(m.join_args(
        "h1", GY, "exclude", SY), ns=NS), 1, "join GY EXCLUDE{200 sources}")
    truncated_ok(ps, d, TO_EX, GY, SY, "join GY EXCLUDE{200 sources}")

    def q(group):
        return lambda: e.tx["h1"].send(m.frame6(m.ipv6(
            Q_LL, group, 58, m.mld_v2_query(Q_LL, group, group, mrd=100,
                                            qrv=1))))
    ps, d = collect(e, "h1", q(GX), 3, "address-specific query for GX")
    split_ok(ps, m.IS_IN, GX, SX, "address-specific query for GX")
    ps, d = collect(e, "h1", q(GY), 1, "address-specific query for GY")
    truncated_ok(ps, d, IS_EX, GY, SY, "address-specific query for GY")
    ps, d = collect(e, "h1", lambda: e.tx["h1"].send(m.frame6(
        query_bytes(mrd=100))), len(G1) + 4, "general query to h1")
    by = records_by_group(ps)
    eq(set(by), set(m.canon(g) for g in G1 + [GX, GY]),
       "general query to h1 with GX, GY: groups")
    eq(m.sort_sources(s for r in by[m.canon(GX)] for s in r[2]),
       m.sort_sources(SX),
       "general query: GX's IS_IN records carry every source once")
    eq([(r[0], len(r[2])) for r in by[m.canon(GY)]], [(IS_EX, FIT)],
       "general query: GY's IS_EX record, truncated")
    eq(d["snd_truncated"], 1, "general query: snd_truncated")
    ps, d = collect(e, "h1", lambda: ctl(["leave", "dev", "h1", "group",
                                          GX], ns=NS), 3, "leave GX")
    split_ok(ps, m.BLOCK, GX, SX, "leave GX")
    ps, d = collect(e, "h1", lambda: ctl(["leave", "dev", "h1", "group",
                                          GY], ns=NS), 1, "leave GY")
    eq(m.mld_records(ps), [m.rec6(m.TO_IN, GY)], "leave GY: TO_IN{}")

    step("2c: MTU 1280 (the IPv6 minimum): 61 zero-source records a packet")
    ip("link set h1 mtu 1280", ns=NS)
    e.mtu["h1"] = 1280
    ps, d = collect(e, "h1", lambda: e.tx["h1"].send(m.frame6(
        query_bytes(mrd=100))), len(G1), "general query to h1 at MTU 1280")
    eq(sorted(len(p.records) for p in ps), [len(G1) - 61, 61],
       "general query to h1 at MTU 1280: records per packet")
    eq(set(records_by_group(ps)), set(m.canon(g) for g in G1),
       "general query to h1 at MTU 1280: groups")
    ip("link set h1 mtu 1500", ns=NS)
    e.mtu["h1"] = 1500


class Env:
    def __init__(self):
        self.cap = {"h0": m.MldCapture("p0", PEER),
                    "h1": m.MldCapture("p1", PEER)}
        self.tx = {"h0": m.L2Sender("p0", PEER), "h1": m.L2Sender("p1", PEER)}
        self.mtu = {"h0": 1500, "h1": 1500}


def setup():
    m.netns_add(NS)
    m.netns_add(PEER)
    for h, p in (("h0", "p0"), ("h1", "p1")):
        m.veth(h, NS, p, PEER, up=False)
        m.sysctl(PEER, "net.ipv6.conf.%s.disable_ipv6" % p, 1)
        ip("link set %s up" % p, ns=PEER)
        ip("link set %s arp off" % h, ns=NS)
        ip("addr add %s/64 dev %s nodad" % (LL[h], h), ns=NS)
        ip("link set %s up" % h, ns=NS)
    # IPv6 output on a device that just came up fails for a moment (see
    # t91, "link down / up"): that is not what this test is about.
    time.sleep(2)


def maddr_set(dev):
    return sorted(m.maddr_links(dev, NS))


def body():
    tw = m.TaintWatch()
    setup()
    base1 = maddr_set("h1")
    base0 = maddr_set("h0")
    m.fresh_module("robustness=1", "coalesce_ms=20", "max_sources=1024")
    e = Env()

    step("1: %d groups on h0 with one mchostctl -b" % N)
    t0 = time.monotonic()
    batch_join("h0", G0)
    check_announced(e, "h0", t0, G0, "the %d joins on h0" % N)
    eq(maddr_set("h0"), sorted(base0 + [m.mcast_mac(g) for g in G0]),
       "ip maddr of h0 after %d joins" % N)
    st = m.proc_iface_state("h0", NS)
    eq((st["groups6"], st["mld_version"]), (N, 2), "h0 groups6, mld_version")
    batch_join("h1", G1)
    check_announced(e, "h1", t0, G1, "the %d joins on h1" % len(G1))

    step("2: one MLDv2 general query: %d groups in %d packets" %
         (N, -(-N // PER_PKT)))
    general_response(e, "h0", G0, "general query to h0 (%d groups)" % N)
    general_response(e, "h1", G1, "general query to h1 (%d groups)" %
                     len(G1))
    m.check_stats_cli(NS)
    big_records(e)

    step("3: ip link del h0 during response bursts")
    # Deleting h0 deletes its peer p0 too, and the capture with it: the
    # module's counters show the bursts instead.
    e.cap.pop("h0").close()
    fl = Flood(e.tx["h0"])
    ta, cf1 = busy("h0", 3 * -(-N // PER_PKT))
    td = time.monotonic()
    ip("link del h0", ns=NS)
    tdone = time.monotonic()
    fl.stop()
    cf2 = m.counters(NS)["mld"]
    log("query flood on h0: %d queries; %d response packets in the %.3fs "
        "before `ip link del h0` (%.3fs), %d more by its end" % (
            fl.n, cf1["snd_v3_reports"] - ta["snd_v3_reports"],
            td - ta["t"], tdone - td,
            cf2["snd_v3_reports"] - cf1["snd_v3_reports"]))
    tw.check("after deleting h0 during response bursts")
    devs = [ln.split()[0] for ln in m.proc_interfaces(NS)]
    check("h0" not in devs, "h0 still in interfaces: %s" % devs)
    st = m.proc_iface_state("h1", NS)
    eq((st["groups6"], st["mld_version"]), (len(G1), 2),
       "h1 groups6, mld_version")
    m.expect_members([m.Member("h1", g, "exclude", ifindex=m.ifindex(
        "h1", NS)) for g in G1], ns=NS, what="h1 after deleting h0",
        do_json=False)
    eq(maddr_set("h1"), sorted(base1 + [m.mcast_mac(g) for g in G1]),
       "ip maddr of h1 after deleting h0")
    c = m.counters(NS)
    m.check_invariant(c, "after deleting h0")
    log("mld snd_errors after the deletion: %d" % c["mld"]["snd_errors"])
    general_response(e, "h1", G1, "general query to h1 after deleting h0")

    step("4: %d more groups on h1, rmmod during response bursts" % N)
    t0 = time.monotonic()
    batch_join("h1", G1B)
    check_announced(e, "h1", t0, G1B, "the %d joins on h1" % N)
    eq(maddr_set("h1"), sorted(base1 + [m.mcast_mac(g) for g in G1 + G1B]),
       "ip maddr of h1 with %d groups" % (N + len(G1)))
    e.cap.pop("h1").close()
    ft = FrameTimes("p1", PEER)
    fl = Flood(e.tx["h1"])
    ta, cf1 = busy("h1", 3 * -(-(N + len(G1)) // PER_PKT))
    td = time.monotonic()
    m.rmmod(timeout=60)
    tdone = time.monotonic()
    time.sleep(0.3)
    fl.stop()
    ft.settle()
    ts = ft.get()
    after = [round(t - tdone, 3) for t in ts if t > tdone + 0.05]
    log("query flood on h1: %d queries; %d response packets in the %.3fs "
        "before rmmod; frames from h1: %d within 0.3s before rmmod, %d "
        "while it ran (%.3fs)" % (
            fl.n, cf1["snd_v3_reports"] - ta["snd_v3_reports"],
            td - ta["t"], len([t for t in ts if td - 0.3 <= t < td]),
            len([t for t in ts if td <= t <= tdone]), tdone - td))
    ft.close()
    eq(after, [], "frames sent by h1 after rmmod returned (s after)")
    tw.check("after rmmod during response bursts")
    check(not os.path.exists("/sys/module/mchost"),
          "/sys/module/mchost still there after rmmod")
    with m.in_netns(NS):
        check(not os.path.exists(m.PROC), "%s still there after rmmod" %
              m.PROC)
    check(not os.path.exists(m.PROC), "%s (init netns) still there after "
          "rmmod" % m.PROC)
    eq(maddr_set("h1"), base1, "ip maddr of h1 after rmmod (nothing "
       "leaked)")

    step("the module loads again: h1 without groups")
    m.insmod()
    st = m.proc_iface_state("h1", NS)
    eq((st["groups6"], st["mld_version"]), (0, 2), "h1 after a new insmod")
    eq(m.show_lines(NS), [], "memberships after a new insmod")
    m.rmmod()
    eq(maddr_set("h1"), base1, "ip maddr of h1 at the end")
    tw.check()
    if DEFERRED:
        m.fail("%d deferred failure(s):\n%s" % (len(DEFERRED),
                                                "\n".join(DEFERRED)))


if __name__ == "__main__":
    m.main(body)
