#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t24-tracepoints: mchost:query_rx, report_tx, compat_change, drop and
send_error.

The five events are enabled through tracefs, then a peer sends: an IGMPv3
general query (QI 1 s), an MLDv2 group query, an IGMPv3 group-and-source
query, an IGMPv2 general query (IGMPv2 mode, for RV·QI + QRI = 3 s), and
four messages the hook drops: a truncated IGMP message (rcv_tooshort), an
MLD query with a bad checksum (rcv_badsum), an IGMP query with TTL 2
(rcv_badttl) and an MLD query without Router Alert (rcv_nora).

- Each event's format file has exactly the documented fields.
- query_rx: one line per valid query, with its ifname, ifindex, family,
  version, kind, group, number of sources and Max Response Time.
- compat_change: igmp 3 -> 2 at the v2 query, 2 -> 3 when it times out.
- drop: one line per dropped message, its reason named as its counter;
  the lines equal the drop counters' deltas, reason by reason, over every
  namespace.
- report_tx: the answers (v3 reports, the v2 report) with their type,
  destination, length and record count; the lines equal the snd_reports
  deltas, type by type.
- send_error: none, as snd_errors stays 0 (t85-send-limits traces the
  refused packets).
- perf, with MCHOST_T24_PERF=1 only (perf record takes minutes under a
  loaded TCG, more than the suite can spend): `perf record -e mchost:...`
  then `perf script` prints the same fields, so libtraceevent parses the
  formats (%pISc, the symbolic names).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, ctl, eq, ip, step

NS, PEER = "h", "p"
H4, P4 = "10.0.0.2", "10.0.0.1"
H_LL, P_LL = "fe80::2", "fe80::1"
G4, G6 = "239.1.1.1", "ff3e::1"
S4 = ("10.9.9.1", "10.9.9.2")
EVENTS = ("query_rx", "report_tx", "compat_change", "drop", "send_error")
EVDIR = m.TRACEFS + "/events/mchost"
# An instance of our own: the global buffer has the timer events of boot.
INST = m.TRACEFS + "/instances/t24"
COMMON = ("ifindex", "ifname", "family")
FIELDS = {
    "query_rx": COMMON + ("version", "kind", "nsrc", "mrt_ms", "group"),
    "report_tx": COMMON + ("type", "nrec", "len", "daddr"),
    "compat_change": COMMON + ("old_version", "new_version"),
    "drop": COMMON + ("reason",),
    "send_error": COMMON + ("err",),
}
# Every rcv_ counter but these is a drop reason (stats.h).
NOT_DROPS = ("rcv_total", "rcv_queries", "rcv_reports", "rcv_ourreports")
SND_TYPES = {("igmp", "v1_report"): "snd_v1_reports",
             ("igmp", "v2_report"): "snd_v2_reports",
             ("igmp", "leave"): "snd_leaves",
             ("igmp", "v3_report"): "snd_v3_reports",
             ("mld", "v1_report"): "snd_v2_reports",
             ("mld", "done"): "snd_leaves",
             ("mld", "v2_report"): "snd_v3_reports"}
LINE = re.compile(r"\s(%s): (.*)$" % "|".join(EVENTS))
WAIT = 30       # s; the debug kernel is slow


def tracefs():
    m.mount_tracefs()
    check(os.path.isdir(EVDIR), "no %s after loading mchost" % EVDIR)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def enable(on):
    for ev in EVENTS:
        write("%s/events/mchost/%s/enable" % (INST, ev), "1" if on else "0")


def formats():
    """The fields of each event's format file, after the common_ ones."""
    for ev in EVENTS:
        text = read("%s/%s/format" % (EVDIR, ev))
        names = [f for f in re.findall(r"field:[^;]*?(\w+)(?:\[\w*\])?;",
                                       text) if not f.startswith("common_")]
        eq(tuple(names), FIELDS[ev], "the fields of mchost:%s" % ev)


def events():
    """[(event, {field: value})] of the trace buffer, in order; fails if
    the buffer lost any."""
    return [(mt.group(1), dict(kv.split("=", 1) for kv in mt.group(2).split()))
            for mt in m.trace_lines(INST, LINE)]


def of(evs, name, dev=None):
    return [f for e, f in evs if e == name and
            (dev is None or f["ifname"] == dev)]


class Waiter:
    """Wait for one more line of an event matching pred than now."""

    def __init__(self, name, pred):
        self.name, self.pred = name, pred
        self.n = self.count()

    def count(self):
        return len([f for f in of(events(), self.name) if self.pred(f)])

    def wait(self, what):
        m.wait_for(lambda: self.count() > self.n, WAIT, what)


def all_counters():
    return {ns: m.counters(ns) for ns in (None, NS, PEER)}


def quiet_counters():
    """Every namespace's counters, read twice equal around the trace."""
    for _ in range(20):
        c = all_counters()
        evs = events()
        if all_counters() == c:
            return c, evs
        time.sleep(0.5)
    m.fail("the counters kept moving")


def queries(cap, idx):
    dev = {"ifindex": str(idx), "ifname": "h0"}

    step("IGMPv3 general query: query_rx, then a v3 report_tx")
    w = Waiter("report_tx", lambda f: f["type"] == "v3_report" and
               f["len"] == "16")
    cap.send(m.frame4(m.ipv4(P4, "224.0.0.1",
                           m.igmp_v3_query(mrc=5, qrv=2, qqic=1))))
    w.wait("the v3 report answering it")

    step("MLDv2 group query: query_rx, then a v2 report_tx")
    w = Waiter("report_tx", lambda f: f["family"] == "mld")
    cap.send(m.frame6(m.ipv6(P_LL, G6, 58,
                           m.mld_v2_query(P_LL, G6, group=G6, mrd=500))))
    w.wait("the MLDv2 report answering it")

    step("IGMPv3 group-and-source query: query_rx with nsrc 2")
    w = Waiter("report_tx", lambda f: f["len"] == "24")
    cap.send(m.frame4(m.ipv4(P4, G4, m.igmp_v3_query(G4, S4, mrc=5, qrv=2,
                                                   qqic=1))))
    w.wait("the v3 report with the two sources")

    step("IGMPv2 general query: compat_change 3 -> 2, a v2 report_tx")
    w = Waiter("report_tx", lambda f: f["type"] == "v2_report")
    back = Waiter("compat_change", lambda f: f["new_version"] == "3")
    cap.send(m.frame4(m.ipv4(P4, "224.0.0.1", m.igmp_v12(0x11, 10,
                                                       "0.0.0.0"))))
    t0 = time.monotonic()
    w.wait("the v2 report answering it")

    step("drops: rcv_tooshort, rcv_badsum, rcv_badttl, rcv_nora")
    w = Waiter("drop", lambda f: f["reason"] == "rcv_nora")
    cap.send(m.frame4(m.ipv4(P4, "224.0.0.1", bytes([0x11, 100, 0, 0]))))
    cap.send(m.frame6(m.ipv6(P_LL, "ff02::1", 58,
                           m.mld_v2_query(P_LL, "ff02::1", bad_csum=True))))
    cap.send(m.frame4(m.ipv4(P4, "224.0.0.1", m.igmp_v3_query(mrc=5),
                             ttl=2)))
    cap.send(m.frame6(m.ipv6(P_LL, "ff02::1", 58,
                           m.mld_v2_query(P_LL, "ff02::1"), hbh=m.HBH_PAD)))
    w.wait("the last drop")

    step("IGMPv2 mode ends after RV·QI + QRI = 3 s: compat_change 2 -> 3")
    back.wait("the return to IGMPv3")
    took = time.monotonic() - t0
    check(took >= 2.5, "IGMPv2 mode lasted only %.1f s, not 3" % took)

    evs = events()
    eq(of(evs, "query_rx"), [
        dict(dev, family="igmp", version="3", kind="general",
             group="0.0.0.0", nsrc="0", mrt_ms="500"),
        dict(dev, family="mld", version="2", kind="group", group=G6,
             nsrc="0", mrt_ms="500"),
        dict(dev, family="igmp", version="3", kind="group-source", group=G4,
             nsrc="2", mrt_ms="500"),
        dict(dev, family="igmp", version="2", kind="general",
             group="0.0.0.0", nsrc="0", mrt_ms="1000"),
    ], "the query_rx lines")
    eq(of(evs, "compat_change"), [
        dict(dev, family="igmp", old_version="3", new_version="2"),
        dict(dev, family="igmp", old_version="2", new_version="3"),
    ], "the compat_change lines")
    eq(of(evs, "drop", "h0"), [
        dict(dev, family="igmp", reason="rcv_tooshort"),
        dict(dev, family="mld", reason="rcv_badsum"),
        dict(dev, family="igmp", reason="rcv_badttl"),
        dict(dev, family="mld", reason="rcv_nora"),
    ], "the drop lines of h0")


def check_reports(evs, idx):
    """Every report_tx line is one of mchost's messages of h0."""
    seen = set()
    for f in of(evs, "report_tx"):
        key = (f["family"], f["type"], f["daddr"], f["len"], f["nrec"])
        check(f["ifname"] == "h0" and f["ifindex"] == str(idx),
              "a report_tx line of another device: %r" % f)
        check(key in {("igmp", "v3_report", "224.0.0.22", "16", "1"),
                      ("igmp", "v3_report", "224.0.0.22", "24", "1"),
                      ("igmp", "v2_report", G4, "8", "0"),
                      ("mld", "v2_report", "ff02::16", "28", "1")},
              "an unexpected report_tx line: %r" % f)
        seen.add(key)
    eq(len(seen), 4, "the kinds of report_tx lines seen")


def check_counts(c0, c1, evs):
    """Events equal counter deltas, over every namespace."""
    d = {ns: m.delta(c0[ns], c1[ns]) for ns in c0}
    drops, sent = {}, {}
    for dd in d.values():
        for fam, cs in dd.items():
            for k, v in cs.items():
                if k.startswith("rcv_") and k not in NOT_DROPS and v:
                    drops[(fam, k)] = drops.get((fam, k), 0) + v
                if k.startswith("snd_") and k in SND_TYPES.values() and v:
                    sent[(fam, k)] = sent.get((fam, k), 0) + v
    got = {}
    for f in of(evs, "drop"):
        got[(f["family"], f["reason"])] = \
            got.get((f["family"], f["reason"]), 0) + 1
    eq(got, drops, "drop lines by reason vs the drop counters' deltas")
    got = {}
    for f in of(evs, "report_tx"):
        k = (f["family"], SND_TYPES[(f["family"], f["type"])])
        got[k] = got.get(k, 0) + 1
    eq(got, sent, "report_tx lines by type vs the snd_ counters' deltas")
    n = sum(dd[fam]["snd_reports"] for dd in d.values() for fam in dd)
    eq(len(of(evs, "report_tx")), n, "report_tx lines vs snd_reports")
    n = sum(dd[fam]["rcv_queries"] for dd in d.values() for fam in dd)
    eq(len(of(evs, "query_rx")), n, "query_rx lines vs rcv_queries")
    n = sum(dd[fam]["snd_errors"] for dd in d.values() for fam in dd)
    eq((len(of(evs, "send_error")), n), (0, 0),
       "send_error lines and snd_errors")


# What `send` sends: perf must show these, in this order.
PERF_SENT = [
    lambda: m.frame4(m.ipv4(P4, G4, m.igmp_v3_query(G4, mrc=5))),
    lambda: m.frame6(m.ipv6(P_LL, G6, 58, m.mld_v2_query(P_LL, G6, group=G6,
                                                         mrd=500))),
    lambda: m.frame4(m.ipv4(P4, "224.0.0.1", bytes([0x11, 100, 0, 0]))),
]


def send_for_perf():
    """`t24-tracepoints.py send`: the command perf record runs."""
    tx = m.L2Sender("p0", PEER)
    for frame in PERF_SENT:
        tx.send(frame())
    time.sleep(0.5)
    tx.close()


def perf(idx):
    if os.environ.get("MCHOST_T24_PERF") != "1":
        m.log("perf step skipped (MCHOST_T24_PERF=1 runs it)")
        return
    if not os.path.isdir("/sys/bus/event_source/devices/tracepoint"):
        m.log("no perf events in this kernel: the perf step is skipped")
        return
    step("perf record -e mchost:query_rx,mchost:drop; perf script")
    data = "/tmp/t24-perf.data"
    m.run(["perf", "record", "-q", "-a", "-B", "-N", "-o", data,
           "-e", "mchost:query_rx",
           "-e", "mchost:drop", "--", sys.executable,
           os.path.abspath(__file__), "send"], timeout=600)
    out = m.run(["perf", "script", "-i", data], timeout=600).stdout
    m.log("perf script:\n" + out)
    got = []
    for ln in out.splitlines():
        mt = re.search(r"\smchost:(\w+): (.*)$", ln)
        check(mt, "a perf script line of another event: %r" % ln)
        got.append((mt.group(1), dict(kv.split("=", 1)
                                      for kv in mt.group(2).split())))
    dev = {"ifindex": str(idx), "ifname": "h0"}
    eq(got, [
        ("query_rx", dict(dev, family="igmp", version="3", kind="group",
                          group=G4, nsrc="0", mrt_ms="500")),
        ("query_rx", dict(dev, family="mld", version="2", kind="group",
                          group=G6, nsrc="0", mrt_ms="500")),
        ("drop", dict(dev, family="igmp", reason="rcv_tooshort")),
    ], "the events perf script shows")


def test():
    m.fresh_module()
    tracefs()
    step("the format files: the documented fields")
    formats()
    # No automatic link-local addresses: no stock MLD of the peer.
    m.netns_add(NS)
    m.netns_add(PEER)
    m.veth("h0", NS, "p0", PEER)
    ip("addr add %s/24 dev h0" % H4, ns=NS)
    ip("addr add %s/64 dev h0 nodad" % H_LL, ns=NS)
    idx = m.ifindex("h0", NS)
    cap = m.Capture("p0", PEER)
    os.mkdir(INST)
    # Enabled with nothing of mchost running: enabling patches its code.
    enable(True)
    try:
        c0 = all_counters()
        step("joins: their v3 reports are report_tx lines")
        ctl("join dev h0 group %s" % G4, ns=NS)
        ctl("join dev h0 group %s" % G6, ns=NS)
        time.sleep(2.5)     # the joins' own reports are done
        queries(cap, idx)
        c1, evs = quiet_counters()
    finally:
        enable(False)
        cap.close()
    m.log("the trace, %d lines:\n%s" % (len(evs), "\n".join(
        "%s: %s" % (e, " ".join("%s=%s" % kv for kv in f.items()))
        for e, f in evs)))
    check_reports(evs, idx)
    check_counts(c0, c1, evs)
    os.rmdir(INST)
    perf(idx)
    m.netns_del(NS)
    m.netns_del(PEER)
    m.rmmod()


if __name__ == "__main__":
    if sys.argv[1:] == ["send"]:
        send_for_perf()
    else:
        m.main(test)
