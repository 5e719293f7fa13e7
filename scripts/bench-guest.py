#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The guest half of `scripts/bench.sh` (read bench.sh's header first).

Runs inside the QEMU guest started by scripts/vm.sh, as root, with
MCHOST_KO (mchost.ko for the running kernel) and MCHOSTCTL (build/mchostctl)
in the environment. It measures, in this order, so that the stock numbers
come from a kernel that never had mchost loaded:

  1. stock: the default limits (igmp_max_memberships, optmem_max): how many
     IP_ADD_MEMBERSHIP calls on one socket succeed before ENOBUFS;
  2. stock: join time at each N (up to STOCK_JOIN_MAX), the kernel's view
     and the user's, both from build/benchjoin (MCHOST_BENCHJOIN); the
     memory at the largest N both stacks join, the 4-source point, and one
     traced run at TRACE_N counting the engine's timers;
  3. stock: 10,000 groups on a veth, one IGMPv3 then one IGMPv2 general
     query from the peer netns: timers started/fired (tracefs hist
     triggers keyed by the timer function), the time inside the engine's
     timer callbacks (CallbackTime) and the reports the peer receives;
     then the IGMPv3 query sweep;
  4. insmod mchost; mchost: the same as 2, with the user's view from the
     whole `mchostctl -b FILE` process, and up to 100,000 groups;
     then both stacks alternating at small N (AB_N_*, AB_PAIRS pairs):
     each view of each once a pair, the median of the pairs' ratios;
  5. mchost: the same query tests as 3;
  6. both: the query flood (stock in 3, mchost in 5); mchost: 100 devices
     x 1,000 groups and 1,000 netns x 100 groups (--quick: 10 devices, 100
     netns); then the UDP receive rate with mchost loaded and not,
     alternating, and one more loaded flood under perf (the hook's share
     of the CPU samples).

The guest's net.core.netdev_max_backlog is raised (BACKLOG) so that the
peer's receive queue does not drop a burst of stock IGMPv2 reports; the
windows show the host's tx drops and the capture's drops anyway.

Results go to a JSON file (default $MCHOST_VM_LOGDIR/bench.json); the host
prints them with `bench-guest.py --report FILE`. Exit status: 0 if every
phase ran (whatever the numbers), 1 if a phase broke (its error is in the
JSON and on stderr), 2 on a usage error.
"""

import argparse
import errno
import json
import os
import re
import resource
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "vmtests"))
import mclib as m                               # noqa: E402
from mclib import (CTL, KO, TimerCount, engine_timers, in_netns,  # noqa: E402
                   ip, setns)
from benchlib import (AB_N_FULL, AB_N_QUICK, AB_PAIRS, BACKLOG, BENCHFLOOD,
                      BENCHJOIN,
                      BenchError, BenchJoin, CallbackTime, CLOCK,
                      FLOOD_GROUPS, FLOOD_REPS, FLOOD_S, IP_ADD_MEMBERSHIP,
                      JOIN_N_FULL, JOIN_N_QUICK, MRT_S, PROBE_CAP, REPS,
                      REPS_SMALL, REPS_SMALL_N, SCALE_DEVS,
                      SCALE_DEVS_QUICK, SCALE_NS, SCALE_NS_QUICK,
                      SOFT_ERRORS, SOURCES,
                      SOURCES_N, STOCK_JOIN_MAX, SWEEP_N_FULL, SWEEP_N_QUICK,
                      TIMER_GROUPS, TRACE_N, USER_HZ, WINDOW_SLACK_S, _T0,
                      _checkpoint, checkpoint, dev_rx_packets, dev_stats,
                      dev_tx_packets, drop_caches, exec_from_ram, flood,
                      group_addr, groups,
                      log, meminfo, netns_add, netns_del, run, snmp,
                      softirq_ticks, wait_quiet)
from benchreport import (exec_requests_text, median, report_main,
                         udp_ratio, v3_packet_limit)


# ------------------------------------------------------------- stock joins

def mreqn(group, idx):
    return struct.pack("=4s4si", socket.inet_aton(group), b"\0\0\0\0", idx)


def stock_probe_limits():
    """Join on one socket with the default sysctls until ENOBUFS."""
    ns, dev = "bp", "d0"
    netns_add(ns)
    try:
        ip("link add %s type dummy" % dev, ns)
        ip("link set %s up" % dev, ns)
        idx = m.ifindex(dev, ns)
        res = {
            "igmp_max_memberships_default":
                m.sysctl(ns, "net.ipv4.igmp_max_memberships"),
        }
        with in_netns(ns):
            res["optmem_max_per_netns"] = os.path.exists(
                "/proc/sys/net/core/optmem_max")
        res["optmem_max_default"] = m.sysctl(
            ns if res["optmem_max_per_netns"] else "init",
            "net.core.optmem_max")
        with in_netns(ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ok = 0
        try:
            for limit in ("igmp_max_memberships", "optmem_max"):
                err = None
                while ok < PROBE_CAP:
                    try:
                        s.setsockopt(socket.IPPROTO_IP, IP_ADD_MEMBERSHIP,
                                     mreqn(group_addr(ok), idx))
                    except OSError as e:
                        err = e
                        break
                    ok += 1
                res[limit] = {
                    "joins_ok": ok,
                    "failed_join": ok + 1 if err else None,
                    "errno": err.errno if err else None,
                    "error": ("%s (%s)" % (os.strerror(err.errno),
                                           errno_name(err.errno))
                              if err else None),
                }
                if limit == "igmp_max_memberships":
                    # Lift the first limit only, to meet the second one.
                    m.sysctl(ns, "net.ipv4.igmp_max_memberships", 1 << 30)
        finally:
            s.close()
        om = res["optmem_max"]
        if om["failed_join"] and om["joins_ok"]:
            res["optmem_bytes_per_join"] = res["optmem_max_default"] / \
                om["joins_ok"]
        return res
    finally:
        netns_del(ns)


def errno_name(e):
    return errno.errorcode.get(e, str(e))


def raise_stock_limits(ns, n, nsrc=0):
    """The sysctls a socket with n memberships (nsrc sources each) needs."""
    optmem = max(256 * 1024, 128 * n * max(1, nsrc))
    m.sysctl(ns, "net.ipv4.igmp_max_memberships", n)
    if nsrc:
        m.sysctl(ns, "net.ipv4.igmp_max_msf", max(10, nsrc))
    # Per netns since 6.9; before, one global value in the init netns.
    if not m.sysctl(ns, "net.core.optmem_max", optmem, missing_ok=True):
        if m.sysctl("init", "net.core.optmem_max") < optmem:
            m.sysctl("init", "net.core.optmem_max", optmem)
    return {"igmp_max_memberships": n, "optmem_max": optmem}


def mem_baseline():
    drop_caches()
    time.sleep(0.5)
    return meminfo(), slabinfo()


def mem_delta(base, n):
    """Slab and MemAvailable deltas since base, per membership too, and the
    slab caches that grew most (bytes: active objects x object size)."""
    m0, s0 = base
    m1, s1 = meminfo(), slabinfo()
    grew = sorted(((k, v - s0.get(k, 0)) for k, v in s1.items()),
                  key=lambda kv: -kv[1])
    return {"slab_kb_delta": m1["Slab"] - m0["Slab"],
            "memavail_kb_delta": m0["MemAvailable"] - m1["MemAvailable"],
            "bytes_per_membership": (m1["Slab"] - m0["Slab"]) * 1024.0 / n,
            "slab_caches": [[k, v] for k, v in grew[:6] if v > 0]}


def slabinfo():
    """{cache: bytes of its active objects} from /proc/slabinfo."""
    out = {}
    with open("/proc/slabinfo") as f:
        for line in f:
            v = line.split()
            if len(v) > 4 and v[1].isdigit():
                out[v[0]] = int(v[1]) * int(v[3])
    return out


def settle():
    """Between two measurements: let RCU callbacks and workers finish."""
    time.sleep(1.0)


def summarize(reps, key="seconds"):
    """Median run of a list of repetitions, with the spread."""
    ok = [r for r in reps if not r.get("error")]
    if not ok:
        return dict(reps[-1], reps=[r.get(key) for r in reps])
    ok.sort(key=lambda r: r[key])
    med = dict(ok[(len(ok) - 1) // 2])
    med["reps"] = [r.get(key) for r in reps]
    med["min_seconds"] = ok[0][key]
    med["max_seconds"] = ok[-1][key]
    for r in reps:          # the memory numbers come from one run
        if "memory" in r:
            med["memory"] = r["memory"]
    return med


def fresh_dummy(ns, dev):
    ip("link add %s type dummy" % dev, ns)
    ip("link set %s up" % dev, ns)
    return m.ifindex(dev, ns)


def hold_and_measure(ns, dev, n, base):
    """After the joins: the same settling for both stacks (their reports
    and retransmissions over, RCU done), then the memory held."""
    wait_quiet(lambda: dev_tx_packets(ns, dev), quiet_s=1.5, limit_s=120,
               what="reports")
    time.sleep(2.0)
    return mem_delta(base, n)


def helper_join(ns, dev, which, n, nsrc=0, measure_mem=False):
    """One benchjoin run on a fresh dummy device: the kernel's view (the
    loop) and, for stock, the user's view (exec until done)."""
    idx = fresh_dummy(ns, dev)
    if which == "stock":
        lim = raise_stock_limits(ns, n, nsrc)
    base = mem_baseline() if measure_mem else None
    tx0 = dev_tx_packets(ns, dev)
    j = BenchJoin(ns, which, idx, n, nsrc)
    res = {"n": n, "sources": nsrc, "seconds": j.res["loop_seconds"],
           "wall_seconds": j.wall, "joins_ok": j.res["joins_ok"],
           "tx_packets": dev_tx_packets(ns, dev) - tx0}
    if which == "stock":
        res["sysctls"] = lim
    if j.res["errors"]:
        res["error"] = "%d joins failed, the first: %s" % (
            j.res["errors"], j.res["first_error"])
    if measure_mem:
        res["memory"] = hold_and_measure(ns, dev, n, base)
    # The device first: closing a socket with N groups on it walks the
    # device's list once per group (quadratic), deleting the device once.
    t0 = time.perf_counter()
    ip("link del " + dev, ns)
    j.close()
    res["teardown_seconds"] = time.perf_counter() - t0
    settle()
    return res


def mchost_counters(ns, proto="igmp"):
    return m.read_counters(proto, ns)


def mchost_groups4(ns, dev):
    return m.proc_iface_state(dev, ns)["groups4"]


def mchost_batch(ns, path):
    """Run `mchostctl -b path` in ns: (wall s, user s, sys s, result).
    Timed the way BenchJoin times the stock program: Popen, then one
    blocking call that returns when the program is done, here a select()
    on its pidfd (its output goes to files, which cannot fill as a pipe
    can). Not Popen.wait(timeout) nor subprocess.run: they poll waitpid()
    with sleeps of 0.5 to 50 ms, which added up to 5 ms at 1,000 joins."""
    with tempfile.TemporaryFile("w+") as out, \
            tempfile.TemporaryFile("w+") as err:
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.Popen([CTL, "-b", path], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err,
                             preexec_fn=lambda: setns(ns))
        pidfd = os.pidfd_open(p.pid)
        try:
            done = select.select([pidfd], [], [], 1800)[0]
        finally:
            os.close(pidfd)
        if not done:
            p.kill()
        rc = p.wait()
        t1 = time.perf_counter()
        if not done:
            raise BenchError("mchostctl -b %s: no exit in 1800 s" % path)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        err.seek(0)
        r = subprocess.CompletedProcess(p.args, rc, out.read(), err.read())
    return (t1 - t0, ru1.ru_utime - ru0.ru_utime, ru1.ru_stime - ru0.ru_stime,
            r)


def write_joins(path, dev, n):
    with open(path, "w") as f:
        for g in groups(n):
            f.write("join dev %s group %s\n" % (dev, g))


def cli_join(ns, dev, n, path):
    """The user's view of mchost: the whole `mchostctl -b FILE` process."""
    fresh_dummy(ns, dev)
    c0 = mchost_counters(ns)["snd_reports"]
    secs, ut, st, r = mchost_batch(ns, path)
    res = {"n": n, "seconds": secs, "user_seconds": ut, "sys_seconds": st,
           "rc": r.returncode,
           "reports_sent": mchost_counters(ns)["snd_reports"] - c0}
    got = mchost_groups4(ns, dev)
    res["joins_ok"] = got
    if r.returncode != 0 or got != n:
        res["error"] = "mchostctl rc %d, %s groups held; %s" % (
            r.returncode, got, (r.stderr or r.stdout)[-500:].strip())
    t0 = time.perf_counter()
    ip("link del " + dev, ns)
    res["teardown_seconds"] = time.perf_counter() - t0
    settle()
    return res


def traced_join(ns, dev, which, n):
    """The traced run, the same for both stacks: the engine's timers during
    the benchjoin loop and until the device's reports stop."""
    idx = fresh_dummy(ns, dev)
    if which == "stock":
        raise_stock_limits(ns, n)
    prefixes = ("igmp",) if which == "stock" else ("mchost",)
    tc = TimerCount()
    tc.start()
    j = BenchJoin(ns, which, idx, n)
    res = {"n": n, "seconds": j.res["loop_seconds"],
           "timers_during": engine_timers(tc.stop(), prefixes)}
    tc.start()
    res["quiet_seconds"] = wait_quiet(
        lambda: dev_tx_packets(ns, dev), quiet_s=1.5,
        what="%s reports" % which)
    res["timers_after"] = engine_timers(tc.stop(), prefixes)
    ip("link del " + dev, ns)
    j.close()
    settle()
    return res


def reps_for(n, reps):
    return max(reps, REPS_SMALL) if n <= REPS_SMALL_N else reps


def join_phase(which, ns_list, reps, out):
    """Both views of both stacks at each N, the median of the runs; the
    memory at the largest N (same settling for both), and the
    source-specific memory point."""
    ns, dev = ("bs", "d0") if which == "stock" else ("bm", "d0")
    # Memory at the largest N both stacks join (the same N, the same
    # settling), and at the largest N of this one.
    common = max(n for n in ns_list if n <= STOCK_JOIN_MAX)
    if which == "stock":
        ns_list = [n for n in ns_list if n <= STOCK_JOIN_MAX]
    netns_add(ns)
    out["reps"] = reps
    path = "/tmp/bench-join.txt"
    try:
        helper_join(ns, dev, which, 1000)     # warm up (TCG code cache)
        if which == "mchost":
            empty = "/tmp/bench-empty.txt"
            with open(empty, "w") as f:
                f.write("# nothing\n")
            out["startup_seconds"] = min(mchost_batch(ns, empty)[0]
                                         for _ in range(3))
        for n in ns_list:
            k_runs, u_runs = [], []
            if which == "mchost":
                write_joins(path, dev, n)
            for k in range(reps_for(n, reps)):
                k_runs.append(helper_join(
                    ns, dev, which, n,
                    measure_mem=(n in (common, ns_list[-1]) and k == 0)))
                if which == "mchost":
                    u_runs.append(cli_join(ns, dev, n, path))
            kern = summarize(k_runs)
            if which == "stock":
                user = summarize(k_runs, key="wall_seconds")
                user["seconds"] = user["wall_seconds"]
            else:
                user = summarize(u_runs)
            out[str(n)] = {"n": n, "kernel": kern, "user": user}
            checkpoint()
            log("%-6s N=%-6d kernel's view %8.3f s (runs %s), user's view "
                "%8.3f s%s" %
                (which, n, kern["seconds"],
                 " ".join("%.3f" % x for x in kern["reps"] if x is not None),
                 user["seconds"],
                 "".join("  ERROR " + r["error"] for r in (kern, user)
                         if r.get("error"))))
        out["sources"] = helper_join(ns, dev, which, SOURCES_N, SOURCES,
                                     measure_mem=True)
        log("%-6s %d groups x INCLUDE(%d sources): %.0f bytes each" %
            (which, SOURCES_N, SOURCES,
             out["sources"]["memory"]["bytes_per_membership"]))
        out["traced"] = trace_run(lambda: traced_join(
            ns, dev, which, TRACE_N), which)
    finally:
        if os.path.exists(path):
            os.unlink(path)
        netns_del(ns)
    return out


def ab_small(ns_list, pairs, out):
    """Both stacks alternating at small N, mchost loaded for both: per pair
    one stock run (benchjoin: the kernel's view, and exec to its line for
    the user's) and one mchost run of each view (benchjoin; mchostctl -b),
    stock first in even pairs, mchost first in odd ones. Per view: the
    medians of each side and the median of the pairs' ratios."""
    nss, nsm, dev = "as", "am", "d0"
    path = "/tmp/bench-ab.txt"
    netns_add(nss)
    netns_add(nsm)
    out["pairs"] = pairs
    try:
        for n in ns_list:
            write_joins(path, dev, n)
            runs = []
            for k in range(pairs):
                order = ("mchost", "stock") if k % 2 else ("stock", "mchost")
                got = {}
                for who in order:
                    if who == "stock":
                        got["stock"] = helper_join(nss, dev, "stock", n)
                    else:
                        got["kernel"] = helper_join(nsm, dev, "mchost", n)
                        got["user"] = cli_join(nsm, dev, n, path)
                errs = [r["error"] for r in got.values() if r.get("error")]
                run_ = {"first": order[0],
                        "stock_kernel": got["stock"]["seconds"],
                        "stock_user": got["stock"]["wall_seconds"],
                        "mchost_kernel": got["kernel"]["seconds"],
                        "mchost_user": got["user"]["seconds"]}
                if errs:
                    run_["error"] = "; ".join(errs)
                runs.append(run_)
            ok = [r for r in runs if not r.get("error")]
            res = {"n": n, "runs": runs}
            for view in ("kernel", "user"):
                st = [r["stock_" + view] for r in ok]
                mc = [r["mchost_" + view] for r in ok]
                res[view] = {
                    "stock": statistics.median(st),
                    "mchost": statistics.median(mc),
                    "ratio": statistics.median(
                        a / b for a, b in zip(st, mc))} if ok else None
            out[str(n)] = res
            checkpoint()
            log("alternating N=%-5d %d pairs: %s%s" % (
                n, len(ok), ", ".join(
                    "%s's view %.3f / %.3f s, ratio %.2fx" % (
                        v, res[v]["stock"], res[v]["mchost"],
                        res[v]["ratio"]) for v in ("kernel", "user")
                    if res[v]),
                "" if len(ok) == pairs else
                "  ERROR " + next(r["error"] for r in runs
                                  if r.get("error"))))
    finally:
        if os.path.exists(path):
            os.unlink(path)
        netns_del(nss)
        netns_del(nsm)
    return out


def trace_run(fn, who):
    """One extra join run with the timer events counted (not in the table:
    the hist triggers slow the timed loop down a little)."""
    try:
        r = fn()
    except Exception as e:      # the timed runs stay valid without it
        traceback.print_exc()
        SOFT_ERRORS.append("%s traced join run: %s: %s" %
                           (who, type(e).__name__, e))
        TimerCount().clear()
        return {"error": str(e)}
    d, a = r["timers_during"], r["timers_after"]
    log("%-6s N=%-6d traced run %.3f s: engine timers during the joins: "
        "%d+%d started, %d+%d expired (timer_list+hrtimer); in the %.1f s "
        "until the reports stop: %d+%d expired" %
        (who, r["n"], r["seconds"], d["timer_start"], d["hrtimer_start"],
         d["timer_expire_entry"], d["hrtimer_expire_entry"],
         r["quiet_seconds"], a["timer_expire_entry"],
         a["hrtimer_expire_entry"]))
    return r


# ------------------------------------------------------------------ timers

def parse_report(frame):
    """(kind, [groups]) of an IGMP report frame, or None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    p = m.Pkt(frame[14:])
    kind = p.kind() if p.fam is m.IGMP else None
    if kind in ("v1", "v2"):
        return (kind, [p.group])
    if kind == "leave":
        return (kind, [])
    if kind == "v3":
        return (kind, [r[1] for r in p.records])
    return None


class Peer:
    """The querier's side of the veth: sends queries, receives reports."""

    def __init__(self, ns, dev, src_ip):
        self.ns, self.dev, self.src_ip = ns, dev, src_ip
        self.mac = m.link_mac(dev, ns)
        with in_netns(ns):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                              socket.htons(m.ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, m.SO_RCVBUFFORCE, 64 << 20)
        s.setsockopt(socket.SOL_SOCKET, m.SO_TIMESTAMPNS, 1)
        s.bind((dev, m.ETH_P_ALL))
        s.setblocking(False)
        self.s = s

    def drops(self):
        """Packets dropped by the socket since the last call."""
        st = self.s.getsockopt(m.SOL_PACKET, m.PACKET_STATISTICS, 8)
        return struct.unpack("II", st)[1]

    def drain(self, sink=None):
        n = 0
        while True:
            try:
                data, anc, _, addr = self.s.recvmsg(2048, 64)
            except BlockingIOError:
                return n
            n += 1
            if sink is None or addr[2] == m.PACKET_OUTGOING:
                continue
            ts = None
            for lvl, typ, val in anc:
                if lvl == socket.SOL_SOCKET and typ == m.SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", val[:16])
                    ts = sec + nsec * 1e-9
            sink(data, ts if ts is not None else time.time())

    def send_query(self, version):
        frame = m.IGMP.frame(m.IGMP.query(self.src_ip, level=version,
                                          mrt=MRT_S), self.mac)
        t = time.time()
        self.s.send(frame)
        return t

    def close(self):
        self.s.close()


def query_window(peer, version, expect, tc, host_quiet, hns, hdev, prefixes):
    """One general query; count timers and reports until all groups are in,
    and the time spent in the engine's timer callbacks."""
    host_quiet()
    cb = CallbackTime()
    h0 = dev_stats(hns, hdev)
    peer.drain()
    peer.drops()
    rep = {"packets": 0, "by_kind": {}, "groups": set(), "first": None,
           "last": None, "other": 0, "v3_recs": []}

    def sink(frame, ts):
        r = parse_report(frame)
        if r is None:
            rep["other"] += 1
            return
        kind, grps = r
        rep["packets"] += 1
        rep["by_kind"][kind] = rep["by_kind"].get(kind, 0) + 1
        rep["groups"].update(grps)
        if kind == "v3":
            rep["v3_recs"].append(len(grps))
        rep["first"] = ts if rep["first"] is None else min(rep["first"], ts)
        rep["last"] = ts if rep["last"] is None else max(rep["last"], ts)

    tc.start()
    cb.start()
    t_send = peer.send_query(version)
    m0 = time.monotonic()
    time.sleep(MRT_S + 0.3)
    complete = False
    while True:
        peer.drain(sink)
        el = time.monotonic() - m0
        if len(rep["groups"] & expect) == len(expect) and el >= MRT_S + 1.0:
            complete = True
            break
        if el > MRT_S + WINDOW_SLACK_S:
            break
        select.select([peer.s], [], [], 0.3)
    window = time.monotonic() - m0
    counts = tc.stop()
    callbacks = cb.stop(prefixes)
    peer.drain(sink)
    h1 = dev_stats(hns, hdev)
    return {
        "host_tx_packets": h1[0] - h0[0],
        "host_tx_dropped": h1[1] - h0[1],
        "query": "IGMPv%d general, MRT %.1f s" % (version, MRT_S),
        "window_seconds": window,
        "complete": complete,
        "report_packets": rep["packets"],
        "report_kinds": rep["by_kind"],
        "groups_reported": len(rep["groups"] & expect),
        "groups_expected": len(expect),
        "first_report_s": (rep["first"] - t_send) if rep["first"] else None,
        "last_report_s": (rep["last"] - t_send) if rep["last"] else None,
        "other_packets": rep["other"],
        "v3_records_per_packet": (
            [min(rep["v3_recs"]), max(rep["v3_recs"]),
             sum(rep["v3_recs"]) / len(rep["v3_recs"])]
            if rep["v3_recs"] else None),
        "capture_drops": peer.drops(),
        "timer_functions": counts,
        "callbacks": callbacks,
        "packet_limit": v3_packet_limit(len(expect)) if version == 3 else None,
    }


def veth_pair(hns, pns, net):
    """Netns hns and pns joined by a veth (hns0 = net.2, pns0 = net.1)."""
    hdev, pdev = hns + "0", pns + "0"
    netns_add(hns)
    netns_add(pns)
    ip("link add %s type veth peer name %s netns %s" % (hdev, pdev, pns), hns)
    ip("addr add %s.2/24 dev %s" % (net, hdev), hns)
    ip("addr add %s.1/24 dev %s" % (net, pdev), pns)
    ip("link set %s up" % hdev, hns)
    ip("link set %s up" % pdev, pns)
    return hdev, pdev


def hold_groups(which, ns, dev, n):
    """Join groups(n) on dev: stock, one socket that holds them (close it
    to leave); mchost, persistent joins by `mchostctl -b`. Returns (the
    socket or None, the join time: the loop's or the whole command's)."""
    if which == "stock":
        raise_stock_limits(ns, n)
        sock = BenchJoin(ns, "stock", m.ifindex(dev, ns), n)
        if sock.res["errors"]:
            sock.close()
            raise BenchError("stock joins on %s: %s" % (
                dev, sock.res["first_error"]))
        return sock, sock.res["loop_seconds"]
    path = "/tmp/bench-hold-join.txt"
    write_joins(path, dev, n)
    secs, _, _, r = mchost_batch(ns, path)
    if r.returncode != 0 or mchost_groups4(ns, dev) != n:
        raise BenchError("mchost joins on %s: rc %d %s" %
                         (dev, r.returncode, r.stderr[-500:]))
    return None, secs


def timer_setup(hns, pns):
    _, pdev = veth_pair(hns, pns, "10.0.0")
    return Peer(pns, pdev, "10.0.0.1")


def timers_test(which, n, versions=(3, 2)):
    """Join n groups on a veth, then one general query of each version."""
    hns, pns = ("ts", "tp") if which == "stock" else ("tm", "tq")
    hdev = hns + "0"
    peer = timer_setup(hns, pns)
    tc = TimerCount()
    expect = set(groups(n))
    res = {"groups": n}
    sock = None
    try:
        sock, res["join_seconds"] = hold_groups(which, hns, hdev, n)
        if which == "stock":
            def host_quiet():
                wait_quiet(lambda: dev_tx_packets(hns, hdev), what="stock reports")
            prefixes = ("igmp",)
        else:
            def host_quiet():
                wait_quiet(lambda: (dev_tx_packets(hns, hdev),
                                    mchost_counters(hns)["snd_reports"]),
                           what="mchost reports")
            prefixes = ("mchost",)
            c0 = mchost_counters(hns)
        for version in versions:
            w = query_window(peer, version, expect, tc, host_quiet, hns, hdev,
                             prefixes)
            w["engine"] = engine_timers(w["timer_functions"], prefixes)
            res["v%d" % version] = w
            e = w["engine"]
            log("%-6s IGMPv%d query, %d groups: timers started %d (+%d "
                "hrtimers), expired %d (+%d), %.1f ms in callbacks; %d report "
                "packets (limit %s), %d/%d groups within %.2f s%s" %
                (which, version, n, e["timer_start"], e["hrtimer_start"],
                 e["timer_expire_entry"], e["hrtimer_expire_entry"],
                 w["callbacks"]["seconds"] * 1e3,
                 w["report_packets"], w["packet_limit"],
                 w["groups_reported"], n, w["last_report_s"] or 0.0,
                 "" if w["complete"] else "  (INCOMPLETE)"))
        if which == "mchost":
            c1 = mchost_counters(hns)
            res["mchost_counters_delta"] = {
                k: c1[k] - c0.get(k, 0) for k in c1 if c1[k] != c0.get(k, 0)}
    finally:
        tc.clear()
        peer.close()
        netns_del(hns)
        if sock is not None:
            sock.close()
        netns_del(pns)
    return res


def query_sweep(which, ns_list):
    """One IGMPv3 general query at each N: report packets against the
    packing limit, and the time in the timer callbacks."""
    out = {}
    for n in ns_list:
        out[str(n)] = timers_test(which, n, versions=(3,))
        checkpoint()
    return out


# ------------------------------------------------------------------ floods

def module_loaded():
    return os.path.exists("/sys/module/mchost")


def udp_rx():
    """64-byte UDP frames (60 + FCS) flooded from a peer netns into a veth,
    with mchost loaded and not, alternating: the packets per second that
    reach the receiver's UDP layer. Nothing listens on the port, so every
    one counts in Udp NoPorts (the ICMP errors are rate limited)."""
    hns, pns = "ur", "us"
    hdev, pdev = veth_pair(hns, pns, "10.9.0")
    udp = struct.pack("!HHHH", 9, 9999, 8 + 18, 0) + bytes(18)
    frame = m.ether(m.link_mac(hdev, hns), m.link_mac(pdev, pns), 0x0800,
                    m.ipv4("10.9.0.1", "10.9.0.2", udp, proto=17, ttl=64,
                           tos=0, ra=False))
    runs = {"not_loaded": [], "loaded": []}
    res = {"frame_bytes": len(frame) + 4, "flood_seconds": FLOOD_S,
           "runs": runs}
    try:
        flood(pns, pdev, frame, 0.5)        # warm the caches up
        for i in range(FLOOD_REPS):
            # Alternate the order, so that neither side always goes first.
            for side in ("not_loaded", "loaded")[::1 if i % 2 == 0 else -1]:
                if (side == "loaded") != module_loaded():
                    run(["insmod", KO] if side == "loaded"
                        else ["rmmod", "mchost"])
                n0, s0 = snmp(hns, "Udp", "NoPorts"), softirq_ticks()
                f = flood(pns, pdev, frame)
                time.sleep(0.2)             # the backlog's last packets
                f["delivered"] = snmp(hns, "Udp", "NoPorts") - n0
                f["softirq_seconds"] = (softirq_ticks() - s0) / USER_HZ
                f["pps"] = f["delivered"] / f["seconds"]
                runs[side].append(f)
                checkpoint()
        if not module_loaded():
            run(["insmod", KO])
        if CLOCK == "icount":
            # Its cpu-clock samples never came: perf record timed out
            # (122 s) on a 2 s flood, and recorded nothing in another run.
            res["perf"] = {"error": "not run under -icount: perf record "
                           "does not finish there"}
        else:
            res["perf"] = hook_share(pns, pdev, frame)
    finally:
        netns_del(hns)
        netns_del(pns)
        if module_loaded():
            run(["rmmod", "mchost"])
    # Each side's median and spread: TCG's speed drifts between runs.
    for side in runs:
        pps = [r["pps"] for r in runs[side]]
        res[side + "_pps"] = median(pps)
        res[side + "_spread"] = (max(pps) - min(pps)) / res[side + "_pps"]
    log("UDP receive: %.0f pps loaded, %.0f not loaded (medians); loaded / "
        "not loaded %.1f %% (median of the pairs)" % (
            res["loaded_pps"], res["not_loaded_pps"], 100 * udp_ratio(res)))
    return res


PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+([\d.]+)%\s+\[.\]\s+(\S+)")
HOOK_FUNCS = ("mchost_ipv4_in", "mchost_ipv6_in", "mchost_igmp_rcv",
              "mchost_mld_rcv")


def hook_share(pns, pdev, frame):
    """One more flood with mchost loaded, under perf (cpu-clock samples on
    every CPU, with call graphs): of the flooding process's samples (the
    veth receives in its softirq), the share with nf_hook_slow() on the
    stack, that is all the hook costs (the netfilter walk, the indirect
    call, mchost's compare), and the share in mchost's hook functions
    themselves. A throughput ratio under TCG cannot resolve 1 %; this
    can."""
    comm = os.path.basename(BENCHFLOOD)[:15]
    data = "/tmp/bench-udp.perf"
    if not shutil.which("perf"):
        return {"error": "perf is not installed (linux-perf)"}
    try:
        # perf starts the flood once it records (its set-up takes seconds).
        f = flood(pns, pdev, frame, prefix=[
            "perf", "record", "-q", "-a", "-g", "-e", "cpu-clock", "-F",
            "1000", "-o", data, "--"])
    except BenchError as e:
        return {"error": "perf record: %s" % e}
    r = run(["perf", "report", "-i", data, "--stdio", "--children",
             "--comm", comm, "--percentage", "relative", "--sort", "sym",
             "-g", "none"], check=False)
    n = run(["perf", "report", "-i", data, "--stdio", "--no-children", "-n",
             "--sort", "comm",
             "-g", "none"], check=False)
    samples = [int(ln.split()[1]) for ln in n.stdout.splitlines()
               if ln.split()[2:] == [comm]]
    res = {"comm": comm, "flood_pps": f["sent"] / f["seconds"],
           "samples": samples[0] if samples else 0,
           "nf_hook_slow_children": 0.0, "mchost_self": 0.0}
    for ln in r.stdout.splitlines():
        mt = PERF_LINE.match(ln)
        if not mt:
            continue
        children, self_, sym = float(mt[1]), float(mt[2]), mt[3]
        if sym == "nf_hook_slow":
            res["nf_hook_slow_children"] = children
        if sym in HOOK_FUNCS:
            res["mchost_self"] += self_
    if r.returncode != 0 or not res["samples"]:
        res["error"] = "perf report: %s" % (r.stderr or r.stdout)[-300:]
    log("UDP receive under perf: %.2f %% of %s's samples in the hook "
        "(nf_hook_slow and below), %.2f %% in mchost's functions" % (
            res["nf_hook_slow_children"], comm, res["mchost_self"]))
    return res


def query_flood(which, version):
    """FLOOD_GROUPS memberships on a veth; the peer floods IGMP general
    queries of one version for FLOOD_S. The veth hands each frame to the
    receive path in the sender's own softirq, so the rate the sender gets
    is the rate the stack processes them at: per_second counts the frames
    the host's device received (all queries; mchost's rcv_queries must
    match). capacity is the queries per second of softirq time, all CPUs
    (the response timers included): the rate at which softirq time would
    saturate one CPU. With mchost loaded the stock stack processes every
    query too (for 224.0.0.1), as it would on a real host."""
    hns, pns = ("fs", "fp") if which == "stock" else ("fm", "fq")
    hdev, pdev = veth_pair(hns, pns, "10.8.0")
    n = FLOOD_GROUPS
    sock = None
    try:
        sock, _ = hold_groups(which, hns, hdev, n)
        if which == "stock":
            def sent():
                return dev_tx_packets(hns, hdev)
        else:
            def sent():
                return (dev_tx_packets(hns, hdev),
                        mchost_counters(hns)["snd_reports"])
        wait_quiet(sent, what="%s reports" % which)
        frame = m.IGMP.frame(m.IGMP.query("10.8.0.1", level=version,
                                          mrt=MRT_S), m.link_mac(pdev, pns))
        c0 = mchost_counters(hns) if which == "mchost" else None
        rx0, s0 = dev_rx_packets(hns, hdev), softirq_ticks()
        tx0 = dev_tx_packets(hns, hdev)
        f = flood(pns, pdev, frame)
        time.sleep(0.2)
        f["processed"] = dev_rx_packets(hns, hdev) - rx0
        f["softirq_seconds"] = (softirq_ticks() - s0) / USER_HZ
        f["report_packets"] = dev_tx_packets(hns, hdev) - tx0
        f["per_second"] = f["processed"] / f["seconds"]
        f["capacity"] = f["processed"] / max(f["softirq_seconds"], 1e-9)
        if c0 is not None:
            q = mchost_counters(hns)["rcv_queries"] - c0["rcv_queries"]
            if q != f["processed"]:
                SOFT_ERRORS.append("mchost query flood IGMPv%d: rcv_queries "
                                   "%d, device received %d" %
                                   (version, q, f["processed"]))
        f["groups"] = n
        f["query"] = "IGMPv%d general, MRT %.1f s" % (version, MRT_S)
    finally:
        netns_del(hns)
        if sock is not None:
            sock.close()
        netns_del(pns)
    log("%-6s IGMPv%d query flood, %d groups: %d of %d processed, %.0f/s, "
        "%.0f/s of softirq time, %d report packets" % (
            which, version, n, f["processed"], f["sent"], f["per_second"],
            f["capacity"], f["report_packets"]))
    return f


def query_floods(which):
    return {"v%d" % v: query_flood(which, v) for v in (3, 2)}


# ------------------------------------------------------------------- scale

def ip_batch(lines, ns=None):
    path = "/tmp/bench-ip-batch.txt"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    run(["ip", "-b", path], ns=ns, timeout=1800)


def settle_slab():
    """Wait for deferred frees (netns cleanup, RCU) to stop moving Slab."""
    wait_quiet(lambda: meminfo()["Slab"] // 256, quiet_s=2.0, limit_s=300,
               what="Slab")


def percpu_slab_kb():
    mi = meminfo()
    return mi["Slab"] + mi["Percpu"]


def scale_devices(ndev, per):
    """One netns, ndev dummy devices, per groups on each, all in one
    `mchostctl -b`: its time and the Slab delta."""
    ns = "sd"
    netns_add(ns)
    try:
        ip_batch(["link add d%d up type dummy" % i for i in range(ndev)], ns)
        path = "/tmp/bench-scale-devs.txt"
        with open(path, "w") as f:
            for i in range(ndev):
                for g in groups(per):
                    f.write("join dev d%d group %s\n" % (i, g))
        base = mem_baseline()
        secs, _, _, r = mchost_batch(ns, path)
        if r.returncode != 0:
            raise BenchError("mchostctl -b: rc %d %s" % (r.returncode,
                                                         r.stderr[-500:]))
        held = sum(mchost_groups4(ns, "d%d" % i) for i in (0, ndev - 1))
        if held != 2 * per:
            raise BenchError("d0 and d%d hold %d groups, not %d" % (
                ndev - 1, held, 2 * per))
        wait_quiet(lambda: mchost_counters(ns)["snd_reports"], quiet_s=1.5,
                   limit_s=120, what="reports")
        time.sleep(2.0)
        res = {"devices": ndev, "per_device": per, "join_seconds": secs,
               "memory": mem_delta(base, ndev * per)}
    finally:
        netns_del(ns)
    log("%d devices x %d groups: %.2f s, %.0f B per membership" % (
        ndev, per, secs, res["memory"]["bytes_per_membership"]))
    return res


def scale_namespaces(nns, per):
    """nns netns, each with one dummy device. mchost's own
    cost per netns is the Slab + Percpu delta of loading it while they
    exist (its per-netns state, hooks and counters, and its state for their
    devices); then each joins its groups with build/benchjoin (the kernel's
    view summed; the wall time of all the processes in a row)."""
    names = ["sn%d" % i for i in range(nns)]
    if module_loaded():
        run(["rmmod", "mchost"])
    try:
        t0 = time.perf_counter()
        ip_batch(sum((["netns add " + n,
                       "link add d0 netns %s up type dummy" % n]
                      for n in names), []))
        res = {"namespaces": nns, "per_namespace": per,
               "create_seconds": time.perf_counter() - t0}
        settle_slab()
        k0 = percpu_slab_kb()
        run(["insmod", KO])
        time.sleep(2.0)
        res["mchost_kb_per_namespace"] = (percpu_slab_kb() - k0) / nns
        idx = {m.ifindex("d0", n) for n in (names[0], names[-1])}
        if len(idx) != 1:
            raise BenchError("d0 has ifindex %s" % sorted(idx))
        idx = idx.pop()
        base = mem_baseline()
        loop = wall = 0.0
        for n in names:
            j = BenchJoin(n, "mchost", idx, per)
            j.close()
            if j.res["errors"] or j.res["joins_ok"] != per:
                raise BenchError("benchjoin in %s: %s" % (n, j.res))
            loop += j.res["loop_seconds"]
            wall += j.wall
        wait_quiet(lambda: sum(mchost_counters(n)["snd_reports"]
                               for n in (names[0], names[-1])),
                   quiet_s=1.5, limit_s=120, what="reports")
        time.sleep(2.0)
        res.update({"join_loop_seconds": loop, "join_wall_seconds": wall,
                    "memory": mem_delta(base, nns * per)})
    finally:
        ip_batch(["netns del " + n for n in names])
        settle_slab()
    log("%d netns x %d groups: mchost %.2f KB per netns, joins %.2f s "
        "(kernel's view, summed), %.0f B per membership" % (
            nns, per, res["mchost_kb_per_namespace"],
            res["join_loop_seconds"], res["memory"]["bytes_per_membership"]))
    return res


def scale(quick):
    return {"devices": scale_devices(*(SCALE_DEVS_QUICK if quick
                                       else SCALE_DEVS)),
            "namespaces": scale_namespaces(*(SCALE_NS_QUICK if quick
                                             else SCALE_NS))}


# -------------------------------------------------------------------- main

def kallsyms(names):
    found = {}
    with open("/proc/kallsyms") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] in names:
                found[parts[2]] = " ".join(parts[1:])
    return found


TAINT_BAD = m.TAINT_BAD
_taint_seen = [0]


def check_taint(phase, R):
    """A new W/D/B/L taint: record it and save dmesg next to the results
    (vm.sh fails the run for it too; a later panic would lose dmesg)."""
    with open("/proc/sys/kernel/tainted") as f:
        t = int(f.read())
    new = t & ~_taint_seen[0] & sum(TAINT_BAD)
    _taint_seen[0] |= t
    if not new:
        return
    path = os.path.join(os.environ.get("MCHOST_VM_LOGDIR", "/tmp"),
                        "dmesg-%s.txt" % phase)
    with open(path, "w") as f:
        f.write(subprocess.run(["dmesg"], capture_output=True,
                               text=True).stdout)
    R["errors"].append("kernel tainted during %s: %s (dmesg in %s)" % (
        phase, ", ".join(v for k, v in TAINT_BAD.items() if new & k), path))


def guest_main(args):
    if not CTL or not os.access(CTL, os.X_OK) or not KO or \
            not os.path.isfile(KO):
        print("bench-guest: MCHOST_KO and MCHOSTCTL must name the built "
              "module and CLI", file=sys.stderr)
        return 2
    out_path = args.out or os.path.join(
        os.environ.get("MCHOST_VM_LOGDIR", "/tmp"), "bench.json")
    join_ns = JOIN_N_QUICK if args.quick else JOIN_N_FULL
    sweep = [n for n in (SWEEP_N_QUICK if args.quick else SWEEP_N_FULL)
             if n != TIMER_GROUPS]
    with open("/proc/cpuinfo") as f:
        ncpu = sum(1 for ln in f if ln.startswith("processor"))
    R = {
        "kernel": os.uname().release,
        "quick": args.quick,
        "cpus": ncpu,
        "mem_total_kb": meminfo()["MemTotal"],
        "accel": "tcg",
        "clock": CLOCK,
        "join_n": join_ns,
        "reps": [REPS, REPS_SMALL, REPS_SMALL_N],
        "errors": [],
    }

    def save():
        tmp = out_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(R, f, indent=1, sort_keys=True)
        os.replace(tmp, out_path)

    _checkpoint[0] = save

    def phase(name, fn, *a, partial=False):
        log("== " + name)
        try:
            if partial:         # fn fills R[name] as it goes
                R[name] = {}
                fn(*a, R[name])
            else:
                R[name] = fn(*a)
        except Exception as e:      # record, go on with the next phase
            traceback.print_exc()
            R["errors"].append("%s: %s: %s" % (name, type(e).__name__, e))
        check_taint(name, R)
        save()

    # WARNs (KERN_WARNING) on the console despite `quiet`, so that they are
    # in console.log even if a panic follows.
    with open("/proc/sys/kernel/printk", "w") as f:
        f.write("5\n")
    check_taint("boot", R)
    if os.path.exists("/sys/module/mchost"):
        run(["rmmod", "mchost"])
    run(["modprobe", "-a", "dummy", "veth"], check=False)
    try:
        TimerCount()
    except BenchError as e:
        R["errors"].append("tracefs: %s" % e)
    # Before anything is timed: the timed programs exec from RAM. Should
    # that fail, the report says the user's views include 9p I/O.
    try:
        R["exec_9p_requests"] = exec_from_ram([CTL, BENCHJOIN])
        log("9p requests of one exec, after copying up: %s" %
            exec_requests_text(R["exec_9p_requests"]))
    except (OSError, subprocess.CalledProcessError, BenchError) as e:
        R["errors"].append("exec_from_ram: %s" % e)
    R["netdev_max_backlog"] = [m.sysctl("init", "net.core.netdev_max_backlog"),
                               BACKLOG]
    m.sysctl("init", "net.core.netdev_max_backlog", BACKLOG)
    R["symbols_stock"] = kallsyms({"igmp_timer_expire", "igmp_gq_timer_expire",
                                   "igmp_ifc_timer_expire"})

    phase("stock_limits", stock_probe_limits)
    phase("stock_joins", join_phase, "stock", join_ns, REPS, partial=True)
    phase("stock_timers", timers_test, "stock", TIMER_GROUPS)
    # The stock stack's general response at 100,000 groups is not swept:
    # joining them takes it minutes under TCG.
    phase("stock_sweep", query_sweep, "stock",
          [n for n in sweep if n < 100000])
    phase("stock_flood", query_floods, "stock")

    log("== insmod " + KO)
    r = run(["insmod", KO], check=False)
    if r.returncode != 0:
        R["errors"].append("insmod: %s" % r.stderr.strip())
        save()
        return 1
    R["symbols_mchost"] = kallsyms({"mchost_timer_expired"})
    if "mchost_timer_expired" not in R["symbols_mchost"]:
        R["errors"].append("kallsyms: no mchost_timer_expired: the timer "
                           "function was renamed; fix TimerCount prefixes")
    phase("mchost_joins", join_phase, "mchost", join_ns, REPS, partial=True)
    phase("ab_small", ab_small, AB_N_QUICK if args.quick else AB_N_FULL,
          AB_PAIRS, partial=True)
    phase("mchost_timers", timers_test, "mchost", TIMER_GROUPS)
    phase("mchost_sweep", query_sweep, "mchost", sweep)
    phase("mchost_flood", query_floods, "mchost")
    # Unloads and loads mchost itself; ends with it loaded.
    phase("scale", scale, args.quick)
    r = run(["rmmod", "mchost"], check=False)
    if r.returncode != 0:
        R["errors"].append("rmmod: %s" % r.stderr.strip())
    # Loads and unloads mchost itself; ends with it unloaded.
    phase("udp_rx", udp_rx)
    R["errors"].extend(SOFT_ERRORS)
    R["elapsed_seconds"] = time.monotonic() - _T0
    save()
    log("results in %s" % out_path)
    for e in R["errors"]:
        print("bench-guest: ERROR: %s" % e, file=sys.stderr)
    return 1 if R["errors"] else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="N = 1,000/5,000/10,000 only")
    ap.add_argument("--out", help="result JSON (default "
                    "$MCHOST_VM_LOGDIR/bench.json)")
    ap.add_argument("--report", metavar="JSON",
                    help="print the table of a result file and exit")
    ap.add_argument("--outdir", help="with --report: also write the CSV, "
                    "the plots and the README's table there")
    args = ap.parse_args()
    if args.report:
        return report_main(args.report, args.outdir)
    return guest_main(args)


if __name__ == "__main__":
    sys.exit(main())
