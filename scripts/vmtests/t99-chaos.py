#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t99-chaos: everything at once in one host netns for MCHOST_CHAOS_SECS
(default 60) seconds, then the engine must still be whole (issue 8 §2).

Worker processes, each a loop until the deadline, all on netns h (devices
h0 and h1, veth peers p0 and p1 in netns p):
  frames   hostile IGMP/MLD frames from the peers: valid queries of every
           kind and version, other hosts' reports and leaves, and mutated
           ones (truncated, bit-flipped, huge source / record counts, wrong
           types, bad checksums, no Router Alert, odd TTL / hop limit,
           fragments)
  joins    `mchostctl -b` joins and leaves on h0, h1 and the extra
           devices, some of them invalid
  hold     `join ... hold` owners killed with SIGKILL
  link     h0 / h1 flapped, MTUs changed (68, below 1280, ...), IPv4 and
           IPv6 (link-local too) addresses added and removed
  devices  dummy and veth devices created, joined, then deleted or moved
           to another netns
  netns    namespaces created, joined with retransmissions pending, deleted
  params   every parameter rewritten with valid values (modinfo ranges)
  readers  show, -d ifaces, stats and the /proc files in a loop
Then: the counters' invariant in every netns left; no owner of a killed
process left once the parameters are back to their defaults; a fresh
device joins and answers a group query exactly (IGMP and MLD); rmmod;
10 cycles of insmod, joins and rmmod while frames keep arriving; no
kernel report, no taint. No timing assertions: the workers only count.
"""
import faulthandler
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import IGMP, MLD, IS_EX, check, eq, ip, log, step

H, P = "h", "p"
SECS = float(os.environ.get("MCHOST_CHAOS_SECS", "60"))
ADDR4 = {"h0": "10.0.0.2", "h1": "10.0.1.2"}
QSRC4, QSRC6 = "10.0.0.1", "fe80::1"
WORKERS = ("frames", "joins", "hold", "link", "devices", "netns", "params",
           "readers")
G4 = ["239.2.0.%d" % i for i in range(1, 9)] + ["232.9.9.9", "224.0.0.252"]
G6 = ["ff0e::2:%d" % i for i in range(1, 9)] + ["ff05::9", "ff02::fb"]
S4 = ["10.9.0.%d" % i for i in range(1, 6)]
S6 = ["2001:db8::%d" % i for i in range(1, 6)]


def ctl_cmd(*args, ns=H):
    return [m.CTL, "-n", ns] + list(args)


def quiet(cmd, timeout=300, input=None):
    """Run a chaos command; its failure is expected (a device may vanish
    under it), a crash or a hang is not. The timeout is long: a batch took
    over 60 s on the debug kernel on an overloaded host, and a task stuck
    in the kernel is reported at 120 s by the hung-task detector anyway."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, input=input)
    except subprocess.TimeoutExpired:
        m.fail("hung for %d s: %s" % (timeout, " ".join(cmd)))
    check(r.returncode >= 0, "killed by signal %d: %s\n%s" %
          (-r.returncode, " ".join(cmd), r.stderr[-2000:]))
    return r


def guarded(cmd, what, timeout=120, input=None):
    """Run cmd; if it has not returned after timeout s (a task stuck in
    the kernel cannot be killed), fail with its kernel stack, the blocked
    tasks (sysrq w) and the kernel log."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            with open("/proc/%d/stack" % p.pid) as f:
                stack = f.read()
        except OSError as e:
            stack = str(e)
        with open("/proc/sysrq-trigger", "w") as f:
            f.write("w")
        time.sleep(2)
        log("\n".join(m.dmesg_lines()[-300:]))
        m.fail("%s: %s stuck for %d s; its kernel stack:\n%s" %
               (what, " ".join(cmd), timeout, stack))
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def ctl_ok(r, what):
    """mchostctl exits 0 or 1 (a request refused), never 2 (usage) or
    anything else, and prints each error as `Error: ...`."""
    check(r.returncode in (0, 1), "%s: exit %d\n%s" % (what, r.returncode,
                                                      r.stderr[-2000:]))
    bad = [ln for ln in r.stderr.splitlines() if not ln.startswith("Error:")]
    eq(bad, [], "%s: stderr lines that are not errors" % what)


def rand_join(rng, dev, v6=None):
    """A join line, valid or (sometimes) not."""
    v6 = rng.random() < 0.5 if v6 is None else v6
    g = rng.choice(G6 if v6 else G4)
    srcs = rng.sample(S6 if v6 else S4, rng.randrange(4))
    x = rng.random()
    if x < 0.05:
        g = rng.choice(("224.0.0.1", "10.1.1.1", "ff01::1", "ff02::1"))
    elif x < 0.08:
        dev = "nosuchdev"
    elif x < 0.10:
        srcs = srcs + srcs[:1]
    elif x < 0.12:
        srcs = [rng.choice(S4 if v6 else S6)]
    mode = rng.choice(("include", "exclude")) if srcs else \
        rng.choice(("exclude", "exclude", "include"))
    line = "join dev %s group %s mode %s" % (dev, g, mode)
    return line + "".join(" source " + s for s in srcs)


# ------------------------------------------------------------ the frames

def hostile(rng):
    """One hostile or valid frame for the host side of dev's link."""
    f = rng.choice((IGMP, MLD))
    src = QSRC4 if f is IGMP else QSRC6
    ga = rng.choice(G4 if f is IGMP else G6)
    srcs = rng.sample(S4 if f is IGMP else S6, rng.randrange(3))
    x = rng.random()
    kw = {}
    if x < 0.45:                # a valid query of any kind and version
        level = rng.choice((1, 2, 3) if f is IGMP else (2, 3))
        kind = rng.choice(("general", "group", "source")) if level == 3 \
            else rng.choice(("general", "group"))
        if level == 1:
            kind = "general"
        group = None if kind == "general" else ga
        pkt = f.query(src, group=group, sources=srcs if kind == "source"
                      else (), level=level, mrt=rng.choice((0.1, 0.5, 1.0)),
                      qrv=rng.choice((1, 2, 7)))
        return f.frame(pkt)
    if x < 0.65:                # another host's report or leave
        other = "10.0.0.77" if f is IGMP else "fe80::77"
        y = rng.random()
        if f is IGMP:
            if y < 0.3:
                msg = m.igmp_v12(rng.choice((0x12, 0x16, 0x17)), 0, ga)
                return m.frame4(m.ipv4(other, ga, msg))
            recs = [(rng.choice((1, 2, 3, 4, 5, 6)), ga, srcs)]
            return m.frame4(m.ipv4(other, "224.0.0.22",
                                   m.igmp_v3_report(recs)))
        if y < 0.3:
            msg = m.mld_v1(other, ga, rng.choice((131, 132)), ga)
            return m.frame6(m.ipv6(other, ga, 58, msg))
        recs = [(rng.choice((1, 2, 3, 4, 5, 6)), ga, srcs)]
        return m.frame6(m.ipv6(other, "ff02::16", 58, m.mld_v2_report(
            other, "ff02::16", recs)))
    # Mutated.
    y = rng.randrange(9)
    if y == 0:
        kw["bad_csum"] = True
    elif y == 1:
        kw["nsrc"] = rng.choice((200, 0xffff))
    elif y == 2:
        kw["ra"] = False
    elif y == 3:
        kw["ttl"] = rng.choice((0, 2, 64, 255))
    elif y == 4:
        if f is IGMP:
            kw.update(mf=rng.random() < 0.5, frag_off=rng.choice((0, 8, 64)))
        else:
            kw["frag"] = (rng.choice((0, 8)), rng.random() < 0.5, 7)
        if not kw.get("mf", True) and not kw.get("frag_off", 1):
            kw["mf"] = True
    if y <= 4:
        pkt = f.query(src, group=rng.choice((None, ga)), level=3,
                      mrt=0.5, **kw)
        return f.frame(pkt)
    if y == 5:                  # a report with a huge record count
        if f is IGMP:
            return m.frame4(m.ipv4("10.0.0.77", "224.0.0.22", m.igmp_v3_report(
                [(2, ga, srcs)], nrec=rng.choice((50, 0xffff)))))
        return m.frame6(m.ipv6("fe80::77", "ff02::16", 58, m.mld_v2_report(
            "fe80::77", "ff02::16", [(2, ga, srcs, 0xfff)])))
    if y == 6:                  # a wrong or unknown type
        if f is IGMP:
            msg = m.igmp_v12(rng.choice((0x13, 0x1e, 0x1f, 0x30, 0xff)), 0,
                             ga)
            return m.frame4(m.ipv4(src, ga, msg))
        msg = m.mld_v1(src, ga, rng.choice((128, 133, 143, 255)), ga)
        return m.frame6(m.ipv6(src, ga, 58, msg))
    frame = bytearray(f.frame(f.query(src, group=ga, sources=srcs,
                                      level=rng.choice((2, 3)))))
    if y == 7:                  # truncated
        return bytes(frame[:rng.randrange(14, len(frame))])
    for _ in range(rng.randrange(1, 4)):      # bits flipped past the MAC
        i = rng.randrange(14, len(frame))
        frame[i] ^= 1 << rng.randrange(8)
    return bytes(frame)


def w_frames(rng, deadline, n):
    m.setns(P)
    socks = []
    for dev in ("p0", "p1"):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.bind((dev, 0))
        socks.append(s)
    while time.monotonic() < deadline:
        for _ in range(20):
            s = rng.choice(socks)
            try:
                s.send(hostile(rng))
                n["frames"] += 1
            except OSError:         # the link is down
                pass
        time.sleep(0.01)


# ----------------------------------------------------------- the others

def w_joins(rng, deadline, n):
    while time.monotonic() < deadline:
        lines = []
        for _ in range(rng.randrange(5, 40)):
            dev = rng.choice(("h0", "h1", "h0", "h1", "c0", "c1"))
            if rng.random() < 0.35:
                g = rng.choice(G4 + G6)
                lines.append("leave dev %s group %s" % (dev, g))
                n["leaves"] += 1
            else:
                lines.append(rand_join(rng, dev))
                n["joins"] += 1
        r = quiet(ctl_cmd("-b", "-"), input="\n".join(lines) + "\n")
        ctl_ok(r, "a batch")


def w_hold(rng, deadline, n):
    while time.monotonic() < deadline:
        procs = []
        for _ in range(rng.randrange(1, 4)):
            dev = rng.choice(("h0", "h1"))
            args = rand_join(rng, dev).split() + ["hold"]
            procs.append(subprocess.Popen(ctl_cmd(*args),
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE))
        time.sleep(rng.uniform(0.05, 0.6))
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                n["hold kills"] += 1
            p.communicate(timeout=60)


def w_link(rng, deadline, n):
    m.setns(H)
    i = 0
    while time.monotonic() < deadline:
        dev = rng.choice(("h0", "h1"))
        # In turn, so that a slow run still does each: flap, MTU, address.
        act = ("flap", "mtu", "addr", "addr")[i % 4]
        i += 1
        if act == "flap":
            quiet(["ip", "link", "set", dev, "down"])
            time.sleep(rng.uniform(0, 0.2))
            quiet(["ip", "link", "set", dev, "up"])
            n["flaps"] += 1
        elif act == "mtu":
            mtu = rng.choice((68, 500, 1000, 1279, 1280, 1400, 1500, 9000))
            quiet(["ip", "link", "set", dev, "mtu", str(mtu)])
            n["mtu changes"] += 1
        else:
            a = rng.choice(("10.0.%d.%d/24" % (rng.randrange(2), 50 +
                                                rng.randrange(3)),
                            "fe80::%x/64" % (0x50 + rng.randrange(3)),
                            "fe80::%s/64" % (2 + int(dev[1])),   # its own
                            "2001:db8:1::%x/64" % rng.randrange(1, 3),
                            ADDR4[dev] + "/24"))
            verb = rng.choice(("add", "del"))
            quiet(["ip", "addr", verb, a, "dev", dev])
            n["addr changes"] += 1
        time.sleep(rng.uniform(0, 0.1))


def w_devices(rng, deadline, n):
    m.setns(H)
    i = 0
    while time.monotonic() < deadline:
        name = "c%d" % (i % 2)
        i += 1
        if rng.random() < 0.5:
            quiet(["ip", "link", "add", name, "type", "dummy"])
        else:
            quiet(["ip", "link", "add", name, "type", "veth", "peer",
                   "name", "x" + name])
        quiet(["ip", "link", "set", name, "up"])
        n["devices"] += 1
        lines = [rand_join(rng, name) for _ in range(rng.randrange(1, 6))]
        ctl_ok(quiet(ctl_cmd("-b", "-"), input="\n".join(lines) + "\n"),
               "joins on " + name)
        n["joins"] += len(lines)
        time.sleep(rng.uniform(0, 0.3))
        if rng.random() < 0.5:
            quiet(["ip", "link", "del", name])
        else:
            ns = "mv%d" % rng.randrange(2)
            quiet(["ip", "netns", "add", ns])
            quiet(["ip", "link", "set", name, "netns", ns])
            if rng.random() < 0.5:
                quiet(["ip", "netns", "del", ns])
            else:
                quiet(["ip", "-n", ns, "link", "del", name])


def w_netns(rng, deadline, n):
    i = 0
    while time.monotonic() < deadline:
        ns = "cx%d" % i
        i += 1
        quiet(["ip", "netns", "add", ns])
        quiet(["ip", "-n", ns, "link", "add", "d0", "type", "dummy"])
        quiet(["ip", "-n", ns, "link", "set", "d0", "up"])
        quiet(["ip", "-n", ns, "addr", "add", "10.5.0.1/24", "dev", "d0"])
        lines = [rand_join(rng, "d0") for _ in range(rng.randrange(1, 10))]
        ctl_ok(quiet(ctl_cmd("-b", "-", ns=ns),
                     input="\n".join(lines) + "\n"), "joins in " + ns)
        n["joins"] += len(lines)
        n["namespaces"] += 1
        # Retransmissions are pending (unsolicited_report_interval_ms).
        time.sleep(rng.uniform(0, 0.3))
        quiet(["ip", "netns", "del", ns])


def w_params(rng, deadline, n):
    ranges = m.param_ranges()
    names = m.param_names()
    check(sorted(ranges) == names and all(ranges.values()),
          "parameters without a (LOW-HIGH, default D) range: %s / %s" %
          (ranges, names))
    while time.monotonic() < deadline:
        # Every parameter once a round, in a random order.
        for name in rng.sample(names, len(names)):
            lo, hi, d = ranges[name]
            v = rng.choice((lo, hi, d, rng.randint(lo, hi)))
            if name == "unsolicited_report_interval_ms":
                v = min(v, 2000)        # keep retransmissions going
            m.write_param(name, v)
            n["param writes"] += 1
            time.sleep(rng.uniform(0, 0.2))


def w_readers(rng, deadline, n):
    m.setns(H)
    cmds = (["show"], ["-d", "show"], ["-d", "ifaces"], ["stats"],
            ["-j", "show"], ["-j", "-d", "ifaces"], ["-j", "stats"])
    while time.monotonic() < deadline:
        if rng.random() < 0.5:
            c = rng.choice(cmds)
            r = quiet([m.CTL] + c)
            eq((r.returncode, r.stderr), (0, ""), "mchostctl %s" % " ".join(c))
            if c[0] == "-j":
                json.loads(r.stdout)
        else:
            for f in ("igmp", "mld", "groups", "interfaces"):
                with open(os.path.join(m.PROC, f)) as fh:
                    check(fh.read(), "empty %s/%s" % (m.PROC, f))
        n["reads"] += 1


def worker(name, secs, seed):
    """Run one worker; print its counts as JSON on the last line."""
    n = {k: 0 for k in COUNTS}
    rng = random.Random(seed)
    globals()["w_" + name](rng, time.monotonic() + secs, n)
    print(json.dumps(n))


COUNTS = ("frames", "joins", "leaves", "flaps", "mtu changes",
          "addr changes", "devices", "namespaces", "hold kills",
          "param writes", "reads")


def spawn_worker(name, secs, seed):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__),
                             "worker", name, str(secs), str(seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


# ------------------------------------------------------------- the test

def setup():
    m.netns_add(H)
    m.netns_add(P)
    for dev, a4 in ADDR4.items():
        peer = "p" + dev[1]
        m.veth(dev, H, peer, P, up=False)
        m.ipv6_quiet(P, peer, disable=True)
        ip("link set %s up" % peer, ns=P)
        m.quiet_host(H, dev, a4, "fe80::%s" % (2 + int(dev[1])))


def answers(cap, dev, f, src, group):
    """A fresh join of group on dev is announced, then one group query is
    answered by exactly one IS_EX{} record."""
    t = time.time()
    m.ctl(["join", "dev", dev, "group", group], ns=H)
    rv = 2                      # robustness, back at its default
    cap.wait(lambda ps: len([p for p in ps if p.kind() == "v3"]) >= rv, 60,
             "%s: the join's %d state-change reports" % (f, rv), since=t,
             fam=f)
    cap.settle(quiet=1.5)
    t = cap.send(f.frame(f.query(QSRC4 if f is IGMP else QSRC6, group=group,
                                 level=3, mrt=0.5)))
    cap.wait(lambda ps: ps, 60, "%s: the answer to the group query" % f,
             since=t, fam=f)
    cap.settle(quiet=1.5)
    ps = [p for p in cap.get(t, fam=f) if p.kind() != "query"]
    eq(m.records(ps), [m.rec(IS_EX, group)],
       "%s: the records answering a group query for %s" % (f, group))
    m.check_framing(ps[0], src, "%s answer" % f)


def body():
    seed = int(os.environ.get("MCHOST_SEED") or random.SystemRandom()
               .randrange(1 << 32))
    log("seed %d (MCHOST_SEED=%d reproduces this run), %g s" %
        (seed, seed, SECS))
    rng = random.Random(seed)
    tw = m.TaintWatch()
    kr = m.KernelReports()
    m.fresh_module()
    defaults = {k: v[2] for k, v in m.param_ranges().items()}
    setup()

    step("chaos for %g s: %s" % (SECS, ", ".join(WORKERS)))
    procs = {w: spawn_worker(w, SECS, rng.randrange(1 << 32))
             for w in WORKERS}
    counts = {k: 0 for k in COUNTS}
    for w, p in procs.items():
        try:
            out, err = p.communicate(timeout=SECS + 600)
        except subprocess.TimeoutExpired:
            with open("/proc/sysrq-trigger", "w") as f:
                f.write("w")
            time.sleep(2)
            log("\n".join(m.dmesg_lines()[-300:]))
            m.fail("worker %s did not end" % w)
        eq(p.returncode, 0, "worker %s's exit status (stdout: %s, stderr: "
           "%s)" % (w, out[-2000:], err[-3000:]))
        for k, v in json.loads(out.splitlines()[-1]).items():
            counts[k] += v
    log("chaos: " + ", ".join("%s %d" % (k, counts[k]) for k in COUNTS))
    for k in ("frames", "joins", "hold kills", "flaps", "devices",
              "namespaces", "param writes", "reads"):
        check(counts[k] > 0, "no %s at all" % k)
    kr.check("during the chaos")

    step("the counters' invariant; no killed owner left")
    for k, v in defaults.items():
        m.write_param(k, v)
    for ns in os.listdir("/run/netns"):
        if ns not in (H, P):
            ip(["netns", "del", ns])
    for dev in ADDR4:
        ip("link set %s mtu 1500 up" % dev, ns=H)
    for ns in (H, P):
        m.check_invariant(m.check_stats_cli(ns), "after the chaos, netns %s"
                          % ns)
    # Every hold owner was killed; the persistent ones are left (a release
    # refused for lack of memory is retried every second).
    m.wait_for(lambda: all(ln.split()[-1] == "1"
                           for ln in m.proc_groups(H)[1]), 30,
               "only persistent owners")

    step("a fresh device joins and answers a group query exactly")
    m.veth("h9", H, "p9", P, up=False)
    m.ipv6_quiet(P, "p9", disable=True)
    ip("link set p9 up", ns=P)
    m.quiet_host(H, "h9", "10.0.9.2", "fe80::9")
    cap = m.Capture("p9", P)
    answers(cap, "h9", IGMP, "10.0.9.2", "239.99.0.1")
    answers(cap, "h9", MLD, "fe80::9", "ff0e::99:1")
    cap.close()
    kr.check("after the chaos")

    step("rmmod")
    r = guarded(["rmmod", "mchost"], "after the chaos")
    eq((r.returncode, r.stderr), (0, ""), "rmmod after the chaos")

    step("10 cycles of insmod, joins, rmmod while frames keep arriving")
    ferr = open(os.path.join(os.environ.get("TMPDIR", "/tmp"),
                             "frames.err"), "w+")
    fl = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                           "worker", "frames", "3600",
                           str(rng.randrange(1 << 32))],
                          stdout=subprocess.DEVNULL, stderr=ferr)
    for i in range(10):
        r = guarded(["insmod", m.KO], "cycle %d" % i)
        eq((r.returncode, r.stderr), (0, ""), "cycle %d: insmod" % i)
        lines = [rand_join(rng, rng.choice(("h0", "h1")))
                 for _ in range(10)]
        ctl_ok(guarded(ctl_cmd("-b", "-"), "cycle %d" % i,
                       input="\n".join(lines) + "\n"), "joins of cycle %d" % i)
        time.sleep(rng.uniform(0, 0.2))
        r = guarded(["rmmod", "mchost"], "cycle %d" % i)
        eq((r.returncode, r.stderr), (0, ""), "cycle %d: rmmod" % i)
    ferr.seek(0)
    check(fl.poll() is None, "the frames worker died: %s" % ferr.read())
    fl.kill()
    fl.wait()
    ferr.close()

    step("kernel log, taint")
    kr.check()
    tw.check()
    log("chaos counts: " + ", ".join("%s %d" % (k, counts[k])
                                     for k in COUNTS))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        try:
            worker(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
        except m.TestFail as e:
            print("FAIL: %s" % e, file=sys.stderr)
            sys.exit(1)
        sys.exit(0)
    # Where it hangs if it does: run-guest.sh's timeout sends SIGTERM.
    faulthandler.register(signal.SIGTERM, all_threads=True)
    m.main(body)
