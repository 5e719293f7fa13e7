#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t80-igmp-scale: 5,000 groups on one device, one IGMPv3 general query.

mchost in netns h joins 5,000 any-source groups on h0 (MTU 1500) with one
`mchostctl -b -` batch (robustness=1: one unsolicited report per join, all
sent before the query). A general query from netns p must be answered by
exactly ceil(5000/183) = 28 IGMPv3 reports (a 1,500-byte packet holds 183
zero-source records: (1500 - 24 - 8) // 8), every group exactly once as
IS_EX{}, with no WARN.

Then, several times: load mchost, join the 5,000 groups again, send a
general query and unload mchost while its response is due or being sent:
rmmod succeeds, /proc/net/mchost is gone, the kernel is not tainted.
"""
import collections
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import IS_EX, check, ctl, eq, ip, log, step

NS, PEER = "h", "p"
H_ADDR, Q_ADDR = "10.0.0.2", "10.0.0.1"
N = 5000
PER_PKT = (1500 - 24 - 8) // 8                      # 183
NPKT = -(-N // PER_PKT)                             # 28
GROUPS = ["239.10.%d.%d" % (i // 250, i % 250 + 1) for i in range(N)]
PARAMS = ("robustness=1", "coalesce_ms=20",
          "unsolicited_report_interval_ms=300")


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


def join_all():
    t0 = time.monotonic()
    batch = "".join("join dev h0 group %s\n" % g for g in GROUPS)
    ctl(["-b", "-"], ns=NS, input=batch, timeout=120)
    dt = time.monotonic() - t0
    line = [ln for ln in m.proc_interfaces(NS) if ln.startswith("h0 ")]
    eq([ln.split()[6] for ln in line], [str(N)],
       "groups4 of h0 after the batch join")
    return dt


def query_frame(mrc, qrv=1):
    return m.frame4(m.ipv4(Q_ADDR, "224.0.0.1",
                           m.igmp_v3_query(mrc=mrc, qrv=qrv, qqic=125)))


def ctr():
    return m.counters(NS)["igmp"]


_libc = ctypes.CDLL(None, use_errno=True)
SYS_delete_module = 176          # x86_64
O_NONBLOCK = 0o4000


def delete_module():
    """rmmod's system call, without rmmod's fork+exec delay."""
    r = _libc.syscall(SYS_delete_module, b"mchost", O_NONBLOCK)
    return 0 if r == 0 else ctypes.get_errno()


def part1(tx):
    step("join %d groups in one batch" % N)
    dt = join_all()
    log("%d joins took %.2fs" % (N, dt))
    # robustness=1: the unsolicited reports went out with the joins.
    time.sleep(1.0)
    c0 = ctr()
    eq(c0["snd_v3_reports"], N, "unsolicited reports of the joins (RV 1)")
    cap = m.IgmpCapture("p0", PEER)
    time.sleep(0.3)

    step("one IGMPv3 general query (MRC 10 = 1s)")
    t0 = time.monotonic()
    tx.send(query_frame(10))
    cap.wait(lambda ps: len(ps) >= NPKT, 10, "%d reports" % NPKT, since=t0)
    time.sleep(1.5)
    ps = cap.get(t0)
    log("%d reports, %.3f-%.3fs after the query, records per packet: %s" %
        (len(ps), ps[0].t - t0, ps[-1].t - t0, [len(p.records) for p in ps]))
    cap.close()
    # Check it all, but go on to the unload part whatever the outcome.
    try:
        part1_checks(ps, t0, c0)
        return None
    except m.TestFail as e:
        log("FAILED (continuing with the unload part): %s" % e)
        return e


def part1_checks(ps, t0, c0):
    for p in ps:
        m.check_report_ip(p, H_ADDR, "response packet")
        check(p.type == 0x22 and p.iplen <= 1500,
              "a response that is not an IGMPv3 report of <= 1500 bytes: "
              "%r" % p)
    recs = [r for p in ps for r in p.records]
    bad = [r for r in recs if r[0] != IS_EX or r[2]]
    eq(bad[:5], [], "records other than IS_EX{} (first 5)")
    cnt = collections.Counter(r[1] for r in recs)
    dup = sorted(g for g, n in cnt.items() if n > 1)
    miss = sorted(set(GROUPS) - set(cnt))
    extra = sorted(set(cnt) - set(GROUPS))
    eq({"duplicates": len(dup), "missing": len(miss), "extra": len(extra),
        "records": len(recs)},
       {"duplicates": 0, "missing": 0, "extra": 0, "records": N},
       "every group exactly once in the response (dup %s, missing %s, "
       "extra %s)" % (dup[:5], miss[:5], extra[:5]))
    eq(sorted((len(p.records) for p in ps), reverse=True),
       [PER_PKT] * (NPKT - 1) + [N - PER_PKT * (NPKT - 1)],
       "records per packet: %d groups in as few 1500-byte packets as "
       "possible (%d of %d records)" % (N, NPKT, PER_PKT))
    check(ps[-1].t - t0 <= 1.0 + 1.0, "the response ended %.3fs after the "
          "query (Max Resp Time 1s)" % (ps[-1].t - t0))
    d = {k: v - c0[k] for k, v in ctr().items()}
    eq({k: d[k] for k in ("snd_reports", "snd_v3_reports", "snd_errors",
                          "snd_truncated", "qry_general", "rcv_queries")},
       {"snd_reports": len(ps), "snd_v3_reports": len(ps), "snd_errors": 0,
        "snd_truncated": 0, "qry_general": 1, "rcv_queries": 1},
       "counters of the general response")


def gone(what):
    check(not m.module_loaded(), "%s: /sys/module/mchost still exists" %
          what)
    for ns in (None, NS):
        with m.in_netns(ns):
            check(not os.path.exists(m.PROC), "%s: %s still exists in netns "
                  "%s" % (what, m.PROC, ns or "init"))


def part2(tx, tw):
    # (Max Resp Code, delay before the unload, how)
    cases = [(0, 0.0, "syscall"), (0, 0.002, "syscall"),
             (0, 0.0, "rmmod"), (10, 0.3, "rmmod"), (10, 0.05, "syscall")]
    for i, (mrc, delay, how) in enumerate(cases):
        step("unload during a general response (%d/%d: MRC %d, unload "
             "after %.3fs by %s)" % (i + 1, len(cases), mrc, delay, how))
        if not m.module_loaded():
            m.insmod(*PARAMS)
        join_all()
        time.sleep(0.5)
        cap = m.IgmpCapture("p0", PEER)
        time.sleep(0.2)
        c0 = ctr()
        frame = query_frame(mrc)
        t0 = time.monotonic()
        tx.send(frame)
        if delay:
            time.sleep(delay)
        t1 = time.monotonic()
        if how == "syscall":
            err = delete_module()
            eq(err, 0, "delete_module(mchost) errno (%s)" %
               os.strerror(err) if err else "delete_module")
        else:
            m.rmmod()
        t2 = time.monotonic()
        time.sleep(0.3)
        ps = cap.get(t0)
        n = len(ps)
        log("query at 0, unload from %.3f to %.3fs; %d reports captured "
            "(before the query: %d sent)" % (t1 - t0, t2 - t0, n,
                                             c0["snd_v3_reports"]))
        gone("after the unload")
        tw.check("after unload %d" % (i + 1))
        cap.close()
        # Whatever part of the response left is made of valid reports.
        for p in ps:
            m.check_report_ip(p, H_ADDR, "interrupted response")
        recs = [r for p in ps for r in p.records]
        eq([r for r in recs if r[0] != IS_EX or r[2]][:5], [],
           "records other than IS_EX{} in the interrupted response")
        cnt = collections.Counter(r[1] for r in recs)
        eq(sorted(g for g, k in cnt.items() if k > 1)[:5], [],
           "groups reported twice in the interrupted response")
        # The device and the stack still work.
        ip("link show dev h0", ns=NS)


def body():
    tw = m.TaintWatch()
    m.fresh_module(*PARAMS)
    step("setup: netns h (mchost, h0 MTU 1500) and p (querier, capture)")
    setup()
    tx = m.L2Sender("p0", PEER)
    err = part1(tx)
    tw.check("after the general response")
    part2(tx, tw)
    tx.close()
    if err:
        raise err
    tw.check()


if __name__ == "__main__":
    m.main(body)
