# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench`: from one bench.json (scripts/bench-guest.py)
the text table, a CSV, two SVG plots and the README's Markdown table.

Every figure is stock beside mchost from the same VM run; "ratio" says how
many times better mchost does: stock / mchost for times and sizes, mchost /
stock for rates, so above 1 means mchost is faster (or smaller). The UDP row
is the exception: the stock stack alone against it with mchost loaded, and
its ratio is loaded / not loaded."""
import csv
import json
import math
import os

from benchlib import fit_exponent


def v3_packet_limit(n):
    """The fewest IGMPv3 reports that can carry n any-source records at MTU
    1500: 1468 bytes of records each (20 + 4 IP, 8 report header), 8 bytes a
    record, and a record never split, so 183 a report, not 183.5: the
    ceil(n * 8 / 1468) of issue 11 is 2 short at 100,000."""
    return -(-n // (1468 // 8))


def median(v):
    v = sorted(v)
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2


def udp_ratio(u):
    """The UDP receive rate loaded / not loaded: the median over the runs
    made back to back (run i of each side), which shares their moment's
    speed of TCG; the medians of each side alone are far noisier."""
    return median(a["pps"] / b["pps"] for a, b in
                  zip(u["runs"]["loaded"], u["runs"]["not_loaded"]))


def fnum(v, fmt="%.3f"):
    return "-" if v is None else fmt % v


def secs(v):
    return "-" if v is None else "%.3f s" % v


def ratio(a, b):
    return a / b if a and b else None


def n_keys(d):
    """The keys of d that are an N, in increasing N."""
    return sorted((k for k in d if k.isdigit()), key=int)


def join_points(R, who, view):
    """[(N, median seconds)] of one stack and view, errors left out."""
    d = R.get(who + "_joins") or {}
    pts = []
    for k in n_keys(d):
        r = d[k].get(view) or {}
        if r.get("seconds") and not r.get("error"):
            pts.append((int(k), r["seconds"]))
    return pts


def growth(pts, lo=None):
    sel = [p for p in pts if lo is None or p[0] >= lo]
    return fit_exponent(sel) if len(sel) >= 2 else None


def memory_ns(R, who):
    d = R.get(who + "_joins") or {}
    return [int(k) for k in n_keys(d)
            if (d[k].get("kernel") or {}).get("memory")]


def memory(R, who, n=None):
    """(N, bytes per membership, slab caches) at N, by default the largest
    N that both stacks measured."""
    if n is None:
        both = set(memory_ns(R, "stock")) & set(memory_ns(R, "mchost"))
        n = max(both) if both else None
    mem = n and ((R.get(who + "_joins") or {}).get(str(n)) or {}).get(
        "kernel", {}).get("memory")
    if not mem:
        return None, None, []
    return n, mem["bytes_per_membership"], mem["slab_caches"]


def memory_sources(R, who):
    s = (R.get(who + "_joins") or {}).get("sources") or {}
    mem = s.get("memory")
    return (s["n"], s["sources"], mem["bytes_per_membership"]) if mem else \
        (None, None, None)


def windows(R, who):
    """{N: IGMPv3 query window} from the timer test and the sweep."""
    out = {}
    t = R.get(who + "_timers") or {}
    if t.get("v3"):
        out[t["groups"]] = t["v3"]
    for k, v in (R.get(who + "_sweep") or {}).items():
        if v.get("v3"):
            out[int(k)] = v["v3"]
    return out


def firings(w):
    e = w["engine"]
    return e["timer_expire_entry"] + e["hrtimer_expire_entry"]


def cb_ms(w):
    cb = w.get("callbacks")
    return cb["seconds"] * 1e3 if cb else None


def icount(R):
    """True for a run whose guest clock counted instructions (bench.sh
    --icount)."""
    return R.get("clock") == "icount"


def exec_in_ram(R):
    """True when the run exec'd its timed programs without a 9p request
    (benchlib.exec_from_ram)."""
    c = R.get("exec_9p_requests") or {}
    return bool(c) and all(v == 0 for v in c.values())


def exec_requests_text(req):
    """{program: 9p requests} as "benchjoin 0, mchostctl 0"."""
    return ", ".join("%s %s" % (os.path.basename(k), v)
                     for k, v in sorted(req.items()))


def views(R):
    """The join views a run can show. Under -icount an idle guest's clock
    jumps to its next timer, and a user's view (a process started and waited
    for) took in such waits, one for each 9p request of its exec, until the
    programs were exec'd from RAM: they spread from 0.017 to 0.47 s at
    1,000 joins, while the kernel's views stayed within 3 %."""
    return ("kernel", "user") if exec_in_ram(R) or not icount(R) \
        else ("kernel",)


def rows(R):
    """The table of the README: (measure, stock, mchost, ratio) strings."""
    out = []
    sk, mk = dict(join_points(R, "stock", "kernel")), \
        dict(join_points(R, "mchost", "kernel"))
    su, mu = dict(join_points(R, "stock", "user")), \
        dict(join_points(R, "mchost", "user"))
    for n in sorted(set(sk) | set(mk)):
        out.append(("%s joins, kernel's view (the join system calls)" %
                    format(n, ","), secs(sk.get(n)), secs(mk.get(n)),
                    fnum(ratio(sk.get(n), mk.get(n)), "%.1fx")))
    for n in sorted(set(su) | set(mu)):
        out.append(("%s joins, user's view (exec to done)" % format(n, ","),
                    secs(su.get(n)), secs(mu.get(n)),
                    fnum(ratio(su.get(n), mu.get(n)), "%.1fx")))
    ab = R.get("ab_small") or {}
    for view in ("kernel", "user"):
        for k in n_keys(ab):
            r = ab[k].get(view)
            if r:
                out.append(("%s joins, %s's view, %d runs of each alternating "
                            "(medians; ratio: median of the pairs')" %
                            (format(int(k), ","), view,
                             len([x for x in ab[k]["runs"]
                                  if not x.get("error")])),
                            secs(r["stock"]), secs(r["mchost"]),
                            fnum(r["ratio"], "%.2fx")))
    for view in ("kernel", "user"):
        sp, mp = join_points(R, "stock", view), join_points(R, "mchost", view)
        if len(mp) >= 4:
            out.append(("growth of join time (%s's view), fit over %d N" %
                        (view, len(mp)),
                        "N^" + fnum(growth(sp), "%.2f"),
                        "N^" + fnum(growth(mp), "%.2f"), ""))
            if growth(mp, 10000) is not None:
                out.append(("growth of join time (%s's view), N >= 10,000" %
                            view, "N^" + fnum(growth(sp, 10000), "%.2f"),
                            "N^" + fnum(growth(mp, 10000), "%.2f"), ""))
    (_, sb, _), (mn, mb, _) = memory(R, "stock"), memory(R, "mchost")
    if sb and mb:
        out.append(("kernel memory per any-source membership (Slab delta / N, "
                    "N = %s)" % format(mn, ","), "%.0f B" % sb,
                    "%.0f B" % mb, fnum(ratio(sb, mb), "%.2fx")))
    for n in memory_ns(R, "mchost"):
        if n > (mn or 0):
            out.append(("... the same, N = %s (mchost only)" % format(n, ","),
                        "-", "%.0f B" % memory(R, "mchost", n)[1], ""))
    (n4, k4, s4), (_, _, m4) = memory_sources(R, "stock"), \
        memory_sources(R, "mchost")
    if s4 and m4:
        out.append(("... per INCLUDE membership with %d sources (N = %s)" %
                    (k4, format(n4, ",")), "%.0f B" % s4, "%.0f B" % m4,
                    fnum(ratio(s4, m4), "%.2fx")))
    sw, mw = windows(R, "stock"), windows(R, "mchost")
    for n in sorted(set(sw) | set(mw)):
        ws, wm = sw.get(n), mw.get(n)
        lim = v3_packet_limit(n)

        def pk(w):
            return "%d" % w["report_packets"] if w else "-"
        out.append(("IGMPv3 general query, %s groups: report packets "
                    "(fewest possible: %d)" % (format(n, ","), lim),
                    pk(ws), pk(wm), ""))
        out.append(("... time in the timer callbacks (firings)",
                    "%s ms (%d)" % (fnum(cb_ms(ws), "%.1f"), firings(ws))
                    if ws else "-",
                    "%s ms (%d)" % (fnum(cb_ms(wm), "%.1f"), firings(wm))
                    if wm else "-",
                    fnum(ratio(ws and cb_ms(ws), wm and cb_ms(wm)), "%.1fx")))
    ts, tm = R.get("stock_timers") or {}, R.get("mchost_timers") or {}
    if ts.get("v2") and tm.get("v2"):
        a, b = ts["v2"], tm["v2"]
        out.append(("IGMPv2 general query, %s groups: timer firings" %
                    format(ts["groups"], ","), "%d" % firings(a),
                    "%d" % firings(b), fnum(ratio(firings(a), firings(b)),
                                            "%.1fx")))
        out.append(("... time in the timer callbacks",
                    fnum(cb_ms(a), "%.1f") + " ms",
                    fnum(cb_ms(b), "%.1f") + " ms",
                    fnum(ratio(cb_ms(a), cb_ms(b)), "%.1fx")))
        out.append(("... report packets, groups reported",
                    "%d, %d" % (a["report_packets"], a["groups_reported"]),
                    "%d, %d" % (b["report_packets"], b["groups_reported"]),
                    ""))
    for v in ("v3", "v2"):
        fs = (R.get("stock_flood") or {}).get(v)
        fm = (R.get("mchost_flood") or {}).get(v)
        if fs and fm:
            out.append(("IGMP%s general query flood, %s groups: queries "
                        "processed per second" % (v, format(fs["groups"], ",")),
                        "%.0f" % fs["per_second"], "%.0f" % fm["per_second"],
                        fnum(ratio(fm["per_second"], fs["per_second"]),
                             "%.2fx")))
            out.append(("... per second of softirq time (where it "
                        "saturates)", "%.0f" % fs["capacity"],
                        "%.0f" % fm["capacity"],
                        fnum(ratio(fm["capacity"], fs["capacity"]), "%.2fx")))
    u = R.get("udp_rx")
    if u:
        out.append(("UDP receive, %d-byte frames into a veth: packets per "
                    "second, mchost not loaded / loaded (median of %d, "
                    "spread; ratio: median of the back-to-back pairs)" %
                    (u["frame_bytes"], len(u["runs"]["loaded"])),
                    "%.0f (%.0f %%)" % (u["not_loaded_pps"],
                                        100 * u["not_loaded_spread"]),
                    "%.0f (%.0f %%)" % (u["loaded_pps"],
                                        100 * u["loaded_spread"]),
                    "%.1f %%" % (100 * udp_ratio(u))))
        pf = u.get("perf") or {}
        if pf.get("error"):
            out.append(("... the receive hook's share of the flooding "
                        "process's CPU samples, loaded", "-",
                        "not measured", ""))
        elif "nf_hook_slow_children" in pf:
            out.append(("... the receive hook's share of the flooding "
                        "process's CPU samples, loaded (perf: "
                        "nf_hook_slow() and below; mchost's own functions)",
                        "-", "%.2f %%; %.2f %%" % (
                            pf["nf_hook_slow_children"], pf["mchost_self"]),
                        ""))
    sc = R.get("scale") or {}
    d, n = sc.get("devices"), sc.get("namespaces")
    if d:
        out.append(("%s devices x %s memberships, one `mchostctl -b`: "
                    "time (user's view), memory per membership" %
                    (format(d["devices"], ","), format(d["per_device"], ",")),
                    "-", "%.2f s, %.0f B" % (
                        d["join_seconds"],
                        d["memory"]["bytes_per_membership"]), ""))
    if n:
        out.append(("%s namespaces x %s memberships: joins (kernel's view, "
                    "summed), memory per membership" %
                    (format(n["namespaces"], ","),
                     format(n["per_namespace"], ",")),
                    "-", "%.2f s, %.0f B" % (
                        n["join_loop_seconds"],
                        n["memory"]["bytes_per_membership"]), ""))
        out.append(("... mchost's own memory per namespace (Slab + Percpu "
                    "delta of loading it, 2 devices each)", "-",
                    "%.1f KB" % n["mchost_kb_per_namespace"], ""))
    lim = R.get("stock_limits")
    if lim:
        out.append(("sysctls needed", "yes: ENOBUFS at join %s "
                    "(igmp_max_memberships), then %s (optmem_max)" %
                    (lim["igmp_max_memberships"]["failed_join"],
                     lim["optmem_max"]["failed_join"]), "none", ""))
    if "user" not in views(R):
        out = [r for r in out if "user's view" not in r[0]]
    return out


def markdown(R):
    lines = ["| measure | stock %s | mchost | ratio |" %
             R.get("kernel", "?").split("-")[0], "|---|---|---|---|"]
    for r in rows(R):
        lines.append("| %s |" % " | ".join(r))
    return "\n".join(lines) + "\n"


def report(R):
    P = print
    line = "-" * 78
    P(line)
    P("mchost benchmark on %s (QEMU/TCG, %d vCPU, %d MB)%s%s" %
      (R.get("kernel", "?"), R.get("cpus", 0),
       R.get("mem_total_kb", 0) // 1024,
       ", --quick" if R.get("quick") else "",
       ", --icount" if icount(R) else ""))
    P("Both stacks in ONE VM run. Under TCG every absolute time is many times")
    P("slower than on hardware: read the ratios (stock/mchost) and exponents.")
    if icount(R):
        P("--icount: the guest clock counted instructions, 1 ns each, so a time")
        P("  is the guest's work, the same in every run%s" %
          ("." if "user" in views(R) else "; the user's views are"))
        if "user" not in views(R):
            P("  left out (an idle guest's clock jumps to its next timer).")
    P("kernel's view: the same C loop (scripts/bench/benchjoin.c) times only")
    P("  the system calls: stock N x setsockopt(IP_ADD_MEMBERSHIP) on one")
    P("  socket; mchost N JOIN requests pipelined over one genl socket, all")
    P("  acks read.")
    if "user" in views(R):
        P("user's view: exec to done: stock, that program; mchost, the whole")
        P("  `mchostctl -b FILE` (startup of an empty batch: %s s)." %
          fnum((R.get("mchost_joins") or {}).get("startup_seconds")))
        req = R.get("exec_9p_requests") or {}
        if exec_in_ram(R):
            P("  Both programs were exec'd from the guest's RAM, as from a")
            P("  page cache (0 requests to the host's 9p share an exec).")
        elif req:
            P("  WARNING: an exec still made requests to the host's 9p share")
            P("  (%s): the user's views include that I/O." %
              exec_requests_text(req))
    P(line)
    w = max(len(r[0]) for r in rows(R)) if rows(R) else 40
    for r in rows(R):
        P("%-*s  %14s  %14s  %7s" % (w, r[0], r[1], r[2], r[3]))
    P(line)
    for who in ("stock", "mchost"):
        n, b, caches = memory(R, who)
        if caches:
            P("%s at N=%d, the slab caches that grew (bytes per membership): "
              "%s" % (who, n, ", ".join("%s %.0f" % (k, v / n)
                                         for k, v in caches)))
        d = (R.get(who + "_joins") or {}).get("traced") or {}
        if "timers_during" in d:
            a, z = d["timers_during"], d["timers_after"]
            P("%s traced join run, N=%d: engine timer firings %d during the "
              "joins, %d in the %.1f s until the reports stop" %
              (who, d["n"], a["timer_expire_entry"] +
               a["hrtimer_expire_entry"], z["timer_expire_entry"] +
               z["hrtimer_expire_entry"], d["quiet_seconds"]))
    for who in ("stock", "mchost"):
        for n, win in sorted(windows(R, who).items()):
            cb = win.get("callbacks") or {}
            if cb.get("overrun") or cb.get("unpaired"):
                P("%s N=%d: the callback trace lost events (overrun %d, "
                  "unpaired %d): its time is a lower bound" %
                  (who, n, cb.get("overrun", 0), cb.get("unpaired", 0)))
            if not win.get("complete"):
                P("%s N=%d: the IGMPv3 query window ended before every group "
                  "was reported (%d/%d)" % (who, n, win["groups_reported"],
                                            win["groups_expected"]))
    spread = []
    for who in ("stock", "mchost"):
        d = R.get(who + "_joins") or {}
        for k in n_keys(d):
            reps = [x for x in (d[k].get("kernel") or {}).get("reps", [])
                    if x]
            if len(reps) > 1:
                spread.append("%s %s %.2f" % (who, format(int(k), ","),
                                              max(reps) / min(reps)))
    if spread:
        # How far to trust a median: the runs at one N have fallen into
        # a fast and a slow group (README, Performance).
        P("join runs, slowest / fastest (kernel's view): " +
          ", ".join(spread))
    if R.get("elapsed_seconds"):
        P("(guest run time %.0f s)" % R["elapsed_seconds"])
    for e in R.get("errors", []):
        P("ERROR: %s" % e)
    P(line)


# ------------------------------------------------------------ CSV and SVG

def write_csv(R, path):
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["metric", "stack", "n", "value", "unit"])
        for who in ("stock", "mchost"):
            for view in views(R):
                for n, t in join_points(R, who, view):
                    wr.writerow(["join_%s" % view, who, n, "%.6f" % t, "s"])
            n, b, _ = memory(R, who)
            if b:
                wr.writerow(["memory_per_membership", who, n, "%.1f" % b, "B"])
            n4, k4, b4 = memory_sources(R, who)
            if b4:
                wr.writerow(["memory_per_membership_%d_sources" % k4, who, n4,
                             "%.1f" % b4, "B"])
            for n, w in sorted(windows(R, who).items()):
                wr.writerow(["v3_query_packets", who, n, w["report_packets"],
                             "packets"])
                wr.writerow(["v3_query_packet_limit", who, n,
                             v3_packet_limit(n), "packets"])
                if cb_ms(w) is not None:
                    wr.writerow(["v3_query_callback_time", who, n,
                                 "%.3f" % cb_ms(w), "ms"])


COLORS = {"stock": "#d62728", "mchost": "#1f77b4"}


def svg_joins(R, path):
    """Join time against N, log-log, both stacks and both views."""
    series = [(who, view) for who in ("stock", "mchost")
              for view in views(R)]
    pts = {s: join_points(R, *s) for s in series}
    allp = [p for v in pts.values() for p in v]
    if not allp:
        return
    W, H, L, B, T, Rm = 720, 420, 70, 50, 30, 220
    nx = [math.log10(n) for n, _ in allp]
    ty = [math.log10(t) for _, t in allp]
    x0, x1 = math.floor(min(nx)), math.ceil(max(nx))
    y0, y1 = math.floor(min(ty)), math.ceil(max(ty))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def X(n):
        return L + (math.log10(n) - x0) / (x1 - x0) * (W - L - Rm)

    def Y(t):
        return H - B - (math.log10(t) - y0) / (y1 - y0) * (H - B - T)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="14">Join time against N '
           '(log-log), %s, QEMU/TCG%s</text>' % (
               L, R.get("kernel", ""), " -icount" if icount(R) else "")]
    for e in range(x0, x1 + 1):
        x = X(10 ** e)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                   % (x, T, x, H - B))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' %
                   (x, H - B + 16, format(10 ** e, ",")))
    for e in range(y0, y1 + 1):
        y = Y(10 ** e)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                   % (L, y, W - Rm, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%g s</text>' %
                   (L - 6, y + 4, 10 ** e))
    out.append('<text x="%d" y="%d" text-anchor="middle">N (groups joined)'
               '</text>' % ((L + W - Rm) // 2, H - 12))
    ly = T + 10
    for who, view in series:
        p = pts[(who, view)]
        if not p:
            continue
        dash = "" if view == "kernel" else ' stroke-dasharray="6,4"'
        out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s '
                   'points="%s"/>' % (COLORS[who], dash, " ".join(
                       "%.1f,%.1f" % (X(n), Y(t)) for n, t in p)))
        for n, t in p:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' %
                       (X(n), Y(t), COLORS[who]))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" '
                   'stroke-width="2"%s/>' % (W - Rm + 10, ly, W - Rm + 40, ly,
                                             COLORS[who], dash))
        g = growth(p)
        out.append('<text x="%d" y="%d">%s, %s (N^%s)</text>' %
                   (W - Rm + 46, ly + 4, who, view, fnum(g, "%.2f")))
        ly += 20
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def svg_memory(R, path):
    """Kernel memory per membership, any-source and with sources."""
    bars = []
    for who in ("stock", "mchost"):
        n, b, _ = memory(R, who)
        if b:
            bars.append(("%s, any-source (N=%s)" % (who, format(n, ",")), b,
                         who))
        n4, k4, b4 = memory_sources(R, who)
        if b4:
            bars.append(("%s, %d sources (N=%s)" % (who, k4, format(n4, ",")),
                         b4, who))
    if not bars:
        return
    W, L, bh = 640, 230, 26
    H = 50 + len(bars) * (bh + 10)
    top = max(b for _, b, _ in bars)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="18" font-size="14">Kernel memory per membership '
           '(Slab delta / N), %s</text>' % R.get("kernel", "")]
    y = 35
    for label, b, who in bars:
        w = (W - L - 80) * b / top
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' %
                   (L - 8, y + bh * 0.65, label))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (L, y, w, bh, COLORS[who]))
        out.append('<text x="%.1f" y="%d">%.0f B</text>' %
                   (L + w + 6, y + bh * 0.65, b))
        y += bh + 10
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def report_main(path, outdir=None):
    with open(path) as f:
        R = json.load(f)
    report(R)
    if outdir:
        os.makedirs(outdir, exist_ok=True)
        write_csv(R, os.path.join(outdir, "bench.csv"))
        svg_joins(R, os.path.join(outdir, "joins.svg"))
        svg_memory(R, os.path.join(outdir, "memory.svg"))
        with open(os.path.join(outdir, "table.md"), "w") as f:
            f.write(markdown(R))
        print("CSV, plots and the README table in %s" % outdir)
    return 0
