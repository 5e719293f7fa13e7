# SPDX-License-Identifier: GPL-2.0
"""bench-guest.py's constants, small helpers and the report table (split
out to keep each file under 800 lines)."""
import math
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "vmtests"))
import mclib as m                               # noqa: E402
from mclib import in_netns                       # noqa: E402


JOIN_N_FULL = [1000, 5000, 10000, 30000]
JOIN_N_MCHOST_EXTRA = [100000]
JOIN_N_QUICK = [1000, 5000, 10000]
TIMER_GROUPS = 10000
REPS = 3                 # join runs per N; the median is reported
TRACE_N = 10000          # one extra join run with the timers counted
MRT_S = 1.0              # the queries' Max Resp Time/Code: 10 = 1.0 s
WINDOW_SLACK_S = 10.0    # give up waiting for reports MRT + this after a query
# The peer's backlog must hold a burst of 10,000 reports (stock sends one per
# timer; several timers expire in one softirq run): default 1,000.
BACKLOG = 100000
PROBE_CAP = 200000       # stop the default-limits probe here

IP_ADD_MEMBERSHIP = 35
IP_MULTICAST_TTL = 33
_checkpoint = [lambda: None]


def checkpoint():
    """Save the results so far (a kernel panic later loses nothing)."""
    _checkpoint[0]()

SOFT_ERRORS = []         # failures inside a phase that did not end it
_T0 = time.monotonic()


def log(msg):
    print("[bench %6.1fs] %s" % (time.monotonic() - _T0, msg), flush=True)


BenchError = m.TestFail


def run(cmd, ns=None, check=True, timeout=600):
    return m.run(cmd, ns=ns, check=check, timeout=timeout)


def netns_add(name):
    run(["ip", "netns", "del", name], check=False)
    m.netns_add(name)
    # No IPv6 on the test links: no MLD or ND traffic in the windows.
    for key in ("all", "default"):
        m.sysctl(name, "net.ipv6.conf.%s.disable_ipv6" % key, 1)


def netns_del(name):
    run(["ip", "netns", "del", name], check=False)


def dev_stats(ns, dev):
    """(tx_packets, tx_dropped) of dev from /proc/net/dev in ns."""
    with in_netns(ns):
        with open("/proc/net/dev") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name.strip() == dev:
                    v = rest.split()
                    return int(v[9]), int(v[11])
    raise BenchError("no device %s in netns %s" % (dev, ns))


def dev_tx_packets(ns, dev):
    return dev_stats(ns, dev)[0]


def wait_quiet(read, quiet_s=1.2, limit_s=60.0, what="traffic"):
    """Wait until read() stays unchanged for quiet_s; returns the wait."""
    start = time.monotonic()
    last, since = read(), time.monotonic()
    while True:
        time.sleep(0.2)
        now = time.monotonic()
        v = read()
        if v != last:
            last, since = v, now
        elif now - since >= quiet_s:
            return now - start
        if now - start > limit_s:
            log("warning: %s still changing after %.0fs" % (what, limit_s))
            return now - start


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v.split()[0])      # kB
    return out


def drop_caches():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def group_addr(i):
    """The i-th test group: 239.16.0.0 + i (never a link-local group)."""
    v = (239 << 24) | (16 << 16) | i
    return socket.inet_ntoa(struct.pack("!I", v))


def groups(n):
    return [group_addr(i) for i in range(n)]


# ------------------------------------------------------------------ report

def fnum(v, fmt="%.3f"):
    return "-" if v is None else fmt % v


def exponent(t1, t0, n1, n0):
    if not t1 or not t0 or t1 <= 0 or t0 <= 0 or n1 == n0:
        return None
    return math.log(t1 / t0) / math.log(n1 / n0)


def spread(r):
    reps = [x for x in r.get("reps", []) if x is not None]
    return " ".join("%.3f" % x for x in reps) if reps else "-"


def report(R):
    P = print
    line = "-" * 78
    P(line)
    P("mchost benchmark on %s (%s, %d vCPU, %d MB)%s" %
      (R.get("kernel", "?"), "QEMU/TCG", R.get("cpus", 0),
       R.get("mem_total_kb", 0) // 1024, ", --quick" if R.get("quick") else ""))
    P("All numbers come from ONE VM run. Under TCG (CPU emulation) every")
    P("absolute time is many times slower than on real hardware: read the")
    P("ratios and growth exponents, not the seconds.")
    P(line)

    lim = R.get("stock_limits")
    if lim:
        P("1a. Stock limits with default sysctls (one socket, IP_ADD_MEMBERSHIP):")
        a, b = lim["igmp_max_memberships"], lim["optmem_max"]
        P("    net.ipv4.igmp_max_memberships = %d: join #%s fails: %s" %
          (lim["igmp_max_memberships_default"], a["failed_join"], a["error"]))
        P("    net.core.optmem_max = %d%s: with the first raised, join #%s "
          "fails: %s" %
          (lim["optmem_max_default"],
           " (per netns)" if lim["optmem_max_per_netns"] else " (global)",
           b["failed_join"], b["error"]))
        if lim.get("optmem_bytes_per_join"):
            P("    (= %.0f bytes of option memory charged per membership)" %
              lim["optmem_bytes_per_join"])
        P("")

    sj, mj = R.get("stock_joins") or {}, R.get("mchost_joins") or {}
    ns = sorted({int(k) for k in list(sj) + list(mj) if k.isdigit()})
    if ns:
        P("1b. Join time, N groups on one dummy device in a netns")
        P("    stock  = one UDP socket, N x setsockopt(IP_ADD_MEMBERSHIP), "
          "only the loop timed,")
        P("             igmp_max_memberships = N, optmem_max raised")
        P("    mchost = `mchostctl -b FILE` with N join lines, the whole "
          "process timed,")
        P("             no tuning (startup of an empty batch: %s s)" %
          fnum(mj.get("startup_seconds")))
        P("    exp    = log(t(N)/t(prev N)) / log(N/prev N): ~1 linear, "
          "~2 quadratic")
        P("")
        P("    %7s | %9s %9s %5s | %9s %9s %5s | %8s" %
          ("N", "stock s", "joins/s", "exp", "mchost s", "joins/s", "exp",
           "stock/mc"))
        P("    " + "-" * 74)
        prev = None
        for n in ns:
            s, m = sj.get(str(n)), mj.get(str(n))
            ss = s["seconds"] if s and not s.get("error") else None
            ms = m["seconds"] if m and not m.get("error") else None
            se = me = None
            if prev:
                ps, pm = sj.get(str(prev)), mj.get(str(prev))
                se = exponent(ss, ps and ps["seconds"], n, prev)
                me = exponent(ms, pm and pm["seconds"], n, prev)
            P("    %7d | %9s %9s %5s | %9s %9s %5s | %8s" %
              (n, fnum(ss), fnum(ss and n / ss, "%.0f"), fnum(se, "%.2f"),
               fnum(ms), fnum(ms and n / ms, "%.0f"), fnum(me, "%.2f"),
               fnum(ss / ms if ss and ms else None, "%.1fx")))
            for who, r in (("stock", s), ("mchost", m)):
                if r and r.get("error"):
                    P("            %s: %s" % (who, r["error"]))
            prev = n
        P("")
        P("    Median run in detail (CPU time of the joining process; reports "
          "sent during")
        P("    the timed interval; the spread of the %s runs):" %
          (sj.get("reps") or mj.get("reps") or "?"))
        for n in ns:
            s, m = sj.get(str(n)), mj.get(str(n))
            if s:
                P("    %7d stock : user %5.2f s, sys %6.2f s, %6d reports; "
                  "runs %s" % (n, s.get("user_seconds", 0),
                               s.get("sys_seconds", 0), s.get("tx_packets", 0),
                               spread(s)))
            if m:
                P("    %7s mchost: user %5.2f s, sys %6.2f s, %6d reports; "
                  "runs %s" % ("", m.get("user_seconds", 0),
                               m.get("sys_seconds", 0),
                               m.get("reports_sent", 0), spread(m)))
        big = [n for n in ns if str(n) in sj]
        if big and sj[str(big[-1])].get("floor_seconds") is not None:
            b = sj[str(big[-1])]
            P("    stock at N=%d: the same python loop with a no-op "
              "setsockopt takes %.3f s;" % (big[-1], b["floor_seconds"]))
            P("    closing the socket, which leaves all groups, %.3f s." %
              b["close_seconds"])
        for who, d in (("stock", sj), ("mchost", mj)):
            t = d.get("traced")
            if not t or "timers_during" not in t:
                continue
            a, b = t["timers_during"], t["timers_after"]
            P("    %-6s traced run, N=%d: %.3f s; engine timers expired "
              "during the joins" % (who, t["n"], t["seconds"]))
            P("           %d timer_list + %d hrtimer, then %d + %d in the "
              "%.1f s until the reports stop" %
              (a["timer_expire_entry"], a["hrtimer_expire_entry"],
               b["timer_expire_entry"], b["hrtimer_expire_entry"],
               t["quiet_seconds"]))
        P("")

    P("2.  Memory (Slab delta in /proc/meminfo while the groups are held):")
    for who, d in (("stock", sj), ("mchost", mj)):
        rows = [v for k, v in d.items() if k.isdigit() and
                v.get("slab_kb_delta") is not None]
        for v in rows:
            P("    %-6s N=%-6d Slab %+d kB = %.0f bytes/group" %
              (who, v["n"], v["slab_kb_delta"],
               v["slab_kb_delta"] * 1024.0 / v["n"]))
    P("    (stock: socket list + in_device list + link-layer addresses; "
      "mchost: its")
    P("    memberships + link-layer addresses; one run, so a few hundred kB "
      "of noise)")
    P("")

    st, mt = R.get("stock_timers"), R.get("mchost_timers")
    if st or mt:
        n = (st or mt)["groups"]
        P("3.  Timers for ONE general query, %d groups joined on a veth; the "
          "peer netns sends" % n)
        P("    the query (MRT 1 s) and counts the reports. Timers: tracefs hist "
          "triggers on")
        P("    timer:timer_start/timer_expire_entry (timer_list) and "
          "timer:hrtimer_start/")
        P("    hrtimer_expire_entry, counted for the engine's functions only "
          "(stock igmp_*,")
        P("    mchost mchost_*); 'all' = every timer in the kernel during the "
          "window.")
        for v in (3, 2):
            P("")
            P("    IGMPv%d general query    %22s %22s" % (v, "stock", "mchost"))
            rows = [
                ("timers started", "timer_start"),
                ("timers expired", "timer_expire_entry"),
                ("hrtimers started", "hrtimer_start"),
                ("hrtimers expired", "hrtimer_expire_entry"),
            ]
            for label, key in rows:
                cells = []
                for r in (st, mt):
                    w = r and r.get("v%d" % v)
                    if not w:
                        cells.append("-")
                        continue
                    e = w["engine"]
                    cells.append("%d (all %d)" % (e[key], e[key + "_all"]))
                P("      %-22s %22s %22s" % (label, cells[0], cells[1]))
            for label, fn in (
                    ("report packets", lambda w: "%d %s" % (
                        w["report_packets"],
                        ",".join("%s:%d" % kv for kv in
                                 sorted(w["report_kinds"].items())))),
                    ("v3 records/packet", lambda w: "%d..%d, mean %.0f" %
                     tuple(w["v3_records_per_packet"])
                     if w.get("v3_records_per_packet") else "-"),
                    ("groups reported", lambda w: "%d/%d" % (
                        w["groups_reported"], w["groups_expected"])),
                    ("first..last report", lambda w: "%s..%s s" % (
                        fnum(w["first_report_s"], "%.2f"),
                        fnum(w["last_report_s"], "%.2f"))),
                    ("host sent (dropped)", lambda w: "%d (%d)" % (
                        w.get("host_tx_packets", -1),
                        w.get("host_tx_dropped", -1))),
                    ("capture drops", lambda w: "%d" % w["capture_drops"])):
                cells = []
                for r in (st, mt):
                    w = r and r.get("v%d" % v)
                    cells.append(fn(w) if w else "-")
                P("      %-22s %22s %22s" % (label, cells[0], cells[1]))
        P("")

    P(line)
    P("Summary (stock / mchost):")
    if ns:
        for n in ns:
            s, m = sj.get(str(n)), mj.get(str(n))
            if s and m and not s.get("error") and not m.get("error"):
                P("  join time at N=%-6d  %7.3f s / %7.3f s = %6.1fx" %
                  (n, s["seconds"], m["seconds"], s["seconds"] / m["seconds"]))
        sn = [n for n in ns if str(n) in sj and not sj[str(n)].get("error")]
        mn = [n for n in ns if str(n) in mj and not mj[str(n)].get("error")]
        for who, d, nn in (("stock", sj, sn), ("mchost", mj, mn)):
            if len(nn) >= 2:
                e = exponent(d[str(nn[-1])]["seconds"],
                             d[str(nn[0])]["seconds"], nn[-1], nn[0])
                P("  %-6s join growth N=%d..%d: time x%.1f for N x%.0f "
                  "(exponent %.2f)" %
                  (who, nn[0], nn[-1],
                   d[str(nn[-1])]["seconds"] / d[str(nn[0])]["seconds"],
                   nn[-1] / nn[0], e))
        if mn:
            big = mj[str(mn[-1])]
            P("  mchost at N=%d: %.3f s, no sysctl changed" %
              (mn[-1], big["seconds"]))
        ts, tm = sj.get("traced"), mj.get("traced")
        if ts and tm and "timers_during" in ts and "timers_during" in tm:
            def fired(t):
                return sum(t[w][k] for w in ("timers_during", "timers_after")
                           for k in ("timer_expire_entry",
                                     "hrtimer_expire_entry"))
            P("  engine timer firings for %d joins (until the reports stop): "
              "%d / %d" % (ts["n"], fired(ts), fired(tm)))
    if lim:
        P("  stock with default sysctls: ENOBUFS at join #%s "
          "(igmp_max_memberships), then #%s (optmem_max)" %
          (lim["igmp_max_memberships"]["failed_join"],
           lim["optmem_max"]["failed_join"]))
    for v in (3, 2):
        ws = st and st.get("v%d" % v)
        wm = mt and mt.get("v%d" % v)
        if ws and wm:
            a = ws["engine"]["timer_start"] + ws["engine"]["hrtimer_start"]
            b = wm["engine"]["timer_start"] + wm["engine"]["hrtimer_start"]
            P("  IGMPv%d query at %d groups: engine timers started %d / %d%s;" %
              (v, ws["groups_expected"], a, b,
               " = %.1fx" % (a / b) if b else ""))
            P("      report packets %d / %d, groups reported %d / %d" %
              (ws["report_packets"], wm["report_packets"],
               ws["groups_reported"], wm["groups_reported"]))
    if R.get("elapsed_seconds"):
        P("  (guest run time %.0f s)" % R["elapsed_seconds"])
    for e in R.get("errors", []):
        P("  ERROR: %s" % e)
    P(line)
