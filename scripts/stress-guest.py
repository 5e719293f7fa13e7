#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The guest half of `scripts/stress.sh` (one run; read stress.sh first).

Runs inside the QEMU guest started by scripts/vm.sh, as root, with
MCHOST_KO and MCHOSTCTL in the environment:

  1. insmod mchost; the benchmark's mchost workload (scripts/bench-guest.py,
     reused, not copied): `mchostctl -b` joins of each --bench-n groups on a
     dummy device, and, with --timer-groups, the query/response test (that
     many groups on a veth, one IGMPv3 and one IGMPv2 general query from the
     peer, every group reported);
  2. the stress loop, for --seconds (at least --min-iters iterations): a
     fresh host and querier netns with a veth pair and a dummy device, a
     batch of --groups IGMP and MLD joins per device (a third with include
     sources, a fifth with exclude sources) and some leaves, a querier
     thread sending general, group and group-and-source queries of every
     version (long Max Resp Times, so that responses stay pending), then
     the devices and namespaces deleted while timers are pending, in one of
     four orders; rmmod and insmod under traffic with state held, or right
     after a netns delete (while its cleanup runs), or neither: the order
     and the reload are drawn from --seed (logged);
  3. rmmod, a pause for deferred work, and a last look at the log.

Each iteration is marked in the kernel log (`mchost-vmtest: begin NAME`, as
the VM tests do) so that scripts/vm.sh places a report; a kernel report
(scripts/kernel/reports.ere) after any step ends the run with status 1.
"""

import argparse
import importlib.util
import os
import random
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vmtests"))
import mclib as m                               # noqa: E402
from mclib import CTL, IGMP, KO, MLD, L2Sender, ip, run  # noqa: E402


def load_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_guest", os.path.join(HERE, "bench-guest.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


T0 = time.monotonic()


def log(msg):
    print("[stress %6.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


def mark(what, name):
    with open("/dev/kmsg", "w") as f:
        f.write("mchost-vmtest: %s %s\n" % (what, name))


def check_reports(rep, what):
    lines = rep.new()
    if lines:
        m.fail("kernel report %s:\n%s" % (what, "\n".join(lines)))


def loaded():
    return os.path.exists("/sys/module/mchost")


def insmod():
    r = run(["insmod", KO], check=False)
    m.check(r.returncode == 0, "insmod: %s" % r.stderr.strip())


def rmmod():
    r = run(["rmmod", "mchost"], check=False, timeout=300)
    m.check(r.returncode == 0, "rmmod: %s" % r.stderr.strip())


# ------------------------------------------------------------ 1. benchmark

def bench_phase(ns_list, timer_groups):
    b = load_bench()
    ns, dev, path = "bm", "d0", "/tmp/stress-bench-join.txt"
    b.netns_add(ns)
    try:
        for n in ns_list:
            b.write_joins(path, dev, n)
            r = b.cli_join(ns, dev, n, path)
            log("bench: %d joins in %.2f s (%d reports sent, device "
                "removal %.2f s)" % (n, r["seconds"], r["reports_sent"],
                                     r["teardown_seconds"]))
            m.check("error" not in r, "bench joins, N=%d: %s" %
                    (n, r.get("error")))
        os.unlink(path)
    finally:
        b.netns_del(ns)
    if timer_groups:
        r = b.timers_test("mchost", timer_groups)
        for v in ("v3", "v2"):
            w = r[v]
            log("bench: IGMP%s general query, %d groups: %d report packets, "
                "%d/%d groups reported within %.2f s" %
                (v, timer_groups, w["report_packets"], w["groups_reported"],
                 w["groups_expected"], w["last_report_s"] or 0.0))
            m.check(w["complete"], "bench: the IGMP%s query's response "
                    "missed %d of %d groups" %
                    (v, w["groups_expected"] - w["groups_reported"],
                     w["groups_expected"]))


# ---------------------------------------------------------- 2. stress loop

H4, P4 = "10.9.0.2", "10.9.0.1"
H6, P6 = "fe80::2", "fe80::1"


def group4(i, g):
    return "239.%d.%d.%d" % (20 + i % 200, g // 250, g % 250 + 1)


def group6(i, g):
    return "ff0e::%x:%x" % (i % 0xffff, g + 1)


def src4(g, k):
    return "10.%d.%d.%d" % (100 + k, g // 250, g % 250 + 1)


def src6(g, k):
    return "2001:db8:%x::%x" % (k + 1, g + 1)


def join_lines(i, dev, ngroups):
    """IGMP and MLD joins: a third with include sources, a fifth (of the
    rest) exclude with one source, the others exclude {}."""
    out = []
    for g in range(ngroups):
        for grp, src in ((group4(i, g), src4), (group6(i, g), src6)):
            line = "join dev %s group %s" % (dev, grp)
            if g % 3 == 0:
                line += " mode include source %s source %s" % (
                    src(g, 0), src(g, 1))
            elif g % 5 == 0:
                line += " mode exclude source %s" % src(g, 2)
            out.append(line)
    return out


class Querier(threading.Thread):
    """Sends queries from the peer end until stopped or the device is gone
    (its netns or the veth deleted)."""

    def __init__(self, pns, pdev, i, ngroups, rng):
        super().__init__(daemon=True)
        self.tx = L2Sender(pdev, pns)
        self.mac = P_MAC
        self.i, self.ngroups, self.rng = i, ngroups, rng
        self.stop_ev = threading.Event()
        self.sent = 0
        self.err = None

    def frames(self):
        r, i = self.rng, self.i
        g = r.randrange(self.ngroups)
        mrt = r.choice((2.0, 5.0, 10.0))
        g4, g6 = group4(i, g), group6(i, g)
        q4 = [IGMP.query(P4, level=3, mrt=mrt),
              IGMP.query(P4, group=g4, level=3, mrt=mrt),
              IGMP.query(P4, group=g4, sources=(src4(g, 0), src4(g, 2),
                                                "10.99.0.1"), level=3,
                         mrt=mrt)]
        q6 = [MLD.query(P6, level=3, mrt=mrt),
              MLD.query(P6, group=g6, level=3, mrt=mrt),
              MLD.query(P6, group=g6, sources=(src6(g, 0), src6(g, 2)),
                        level=3, mrt=mrt)]
        # Now and then an older querier: compatibility mode and its timer.
        if r.random() < 0.1:
            q4.append(IGMP.query(P4, level=r.choice((1, 2)), mrt=mrt))
            q6.append(MLD.query(P6, level=2, mrt=mrt))
        return [IGMP.frame(p, self.mac) for p in q4] + \
            [MLD.frame(p, self.mac) for p in q6]

    def run(self):
        try:
            while not self.stop_ev.is_set():
                for f in self.frames():
                    self.tx.sock.send(f)
                    self.sent += 1
                self.stop_ev.wait(0.2)
        except OSError as e:        # the device went away: expected
            self.err = e
        finally:
            self.tx.close()

    def stop(self):
        self.stop_ev.set()
        self.join(30)
        m.check(not self.is_alive(), "the querier thread did not stop")


MNT_DETACH = 2


def netns_gone(name):
    """`ip netns del NAME` in-process (one process less per delete: each
    one costs seconds on KASAN under TCG)."""
    path = "/run/netns/" + name
    m.check(m.mcbase._libc.umount2(path.encode(), MNT_DETACH) == 0,
            "umount %s failed" % path)
    os.unlink(path)


def ip_batch(ns, cmds):
    run(["ip", "-n", ns, "-batch", "-"], input="\n".join(cmds) + "\n")


P_MAC = "02:00:00:00:00:01"


def setup(hns, pns):
    """hns: veth h0 (its peer p0 in pns) and dummy d0, IPv4 and link-local
    addresses, no DAD, no automatic link-local address, ARP off (so the
    stock stack joins no solicited-node group); one `ip -batch` a netns."""
    m.netns_add(hns, lo_up=False)
    m.netns_add(pns, lo_up=False)
    ip_batch(hns, [
        "link set lo up",
        "link add h0 type veth peer name p0 netns " + pns,
        "link set h0 arp off",
        "addr add %s/24 dev h0" % H4,
        "addr add %s/64 dev h0 nodad" % H6,
        "link set h0 up",
        "link add d0 type dummy",
        "link set d0 multicast on arp off",
        "addr add fe80::3/64 dev d0 nodad",
        "link set d0 up"])
    ip_batch(pns, [
        "link set lo up",
        "link set p0 arp off address " + P_MAC,
        "addr add %s/24 dev p0" % P4,
        "addr add %s/64 dev p0 nodad" % P6,
        "link set p0 up"])


def iteration(i, ngroups, rng, stats):
    hns, pns = "sh%d" % i, "sp%d" % i
    t = time.monotonic()
    setup(hns, pns)
    stats["setup_s"] += time.monotonic() - t
    stats["netns"] += 2
    stats["devices"] += 3
    path = "/tmp/stress-join-%d.txt" % i
    lines = join_lines(i, "h0", ngroups) + join_lines(i, "d0", ngroups)
    # Some leaves at the end: state-change retransmissions pending too.
    leaves = ["leave dev h0 group %s" % group4(i, g)
              for g in range(0, ngroups, 7)]
    with open(path, "w") as f:
        f.write("\n".join(lines + leaves) + "\n")
    q = Querier(pns, "p0", i, ngroups, rng)
    q.start()
    t = time.monotonic()
    r = run([CTL, "-b", path], ns=hns, check=False, timeout=600)
    stats["batch_s"] += time.monotonic() - t
    os.unlink(path)
    m.check(r.returncode == 0, "iteration %d: mchostctl -b: rc %d %s" %
            (i, r.returncode, (r.stderr or r.stdout)[-400:]))
    stats["joins"] += len(lines)
    stats["leaves"] += len(leaves)
    time.sleep(rng.uniform(0.1, 1.0))
    # Which reload and which teardown order: drawn (the seed is logged),
    # so that short runs still cover every combination over many runs.
    mode, order = rng.randrange(3), rng.randrange(4)
    stats["mode%d_order%d" % (mode, order)] = 1
    if mode == 2:
        # rmmod with state held, timers pending and queries arriving.
        rmmod()
        insmod()
        stats["reloads"] += 1
        # The same state again, so that the deletes below have timers.
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = run([CTL, "-b", path], ns=hns, check=False, timeout=600)
        os.unlink(path)
        m.check(r.returncode == 0, "iteration %d: rejoin after insmod: "
                "rc %d %s" % (i, r.returncode, (r.stderr or r.stdout)[-400:]))
        time.sleep(rng.uniform(0.1, 0.5))
    t = time.monotonic()
    if order == 0:      # devices first, then the namespaces
        ip("link del d0", ns=hns)
        ip("link del h0", ns=hns)
        netns_gone(hns)
        netns_gone(pns)
    elif order == 1:    # the host netns with its devices, under traffic
        netns_gone(hns)
        time.sleep(0.2)
        netns_gone(pns)
    elif order == 2:    # the dummy moved out with its memberships
        ip("link set d0 netns %s" % pns, ns=hns)
        netns_gone(pns)
        netns_gone(hns)
    else:               # the querier's netns first: the veth goes with it
        netns_gone(pns)
        netns_gone(hns)
    q.stop()
    stats["teardown_s"] += time.monotonic() - t
    stats["queries"] += q.sent
    if mode == 1:
        # rmmod while the namespaces' cleanup (a workqueue) may still run.
        rmmod()
        insmod()
        stats["reloads"] += 1


def stress_phase(seconds, min_iters, ngroups, seed):
    rng = random.Random(seed)
    stats = {"iterations": 0, "netns": 0, "devices": 0, "joins": 0,
             "leaves": 0, "queries": 0, "reloads": 0, "setup_s": 0, "batch_s": 0,
             "teardown_s": 0}
    end = time.monotonic() + seconds
    i = 0
    while i < min_iters or time.monotonic() < end:
        name = "stress-iter-%d" % i
        rep = m.KernelReports()
        mark("begin", name)
        t = time.monotonic()
        iteration(i, ngroups, rng, stats)
        mark("end", name)
        check_reports(rep, "in stress iteration %d" % i)
        stats["iterations"] += 1
        log("iteration %d: %.1f s, %d queries sent" %
            (i, time.monotonic() - t, stats["queries"]))
        i += 1
    return stats


def guest_main(args):
    if not CTL or not os.access(CTL, os.X_OK) or not KO or \
            not os.path.isfile(KO):
        print("stress-guest: MCHOST_KO and MCHOSTCTL must name the built "
              "module and CLI", file=sys.stderr)
        return 2
    # WARNs (KERN_WARNING) on the console despite `quiet`.
    with open("/proc/sys/kernel/printk", "w") as f:
        f.write("5\n")
    run(["modprobe", "-a", "dummy", "veth"], check=False)
    if loaded():
        rmmod()
    rep = m.KernelReports()
    mark("begin", "stress-bench")
    insmod()
    if args.bench_n or args.timer_groups:
        ns_list = [int(x) for x in args.bench_n.split(",") if x]
        bench_phase(ns_list, args.timer_groups)
    mark("end", "stress-bench")
    check_reports(rep, "during the benchmark workload")
    stats = stress_phase(args.seconds, args.min_iters, args.groups, args.seed)
    rep = m.KernelReports()
    mark("begin", "stress-unload")
    rmmod()
    # Deferred work (netns cleanup, RCU callbacks, KFENCE samples) gets its
    # chance to show a report before the last look.
    time.sleep(3)
    mark("end", "stress-unload")
    check_reports(rep, "after the final rmmod")
    log("stress: %s" % ", ".join("%s %d" % kv for kv in stats.items()
                                 if not kv[0].startswith("mode")))
    log("stress: reload modes and teardown orders: %s" % " ".join(
        k for k in sorted(stats) if k.startswith("mode")))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-n", default="1000,10000",
                    help="comma-separated join counts of the benchmark part "
                    "(empty: none)")
    ap.add_argument("--timer-groups", type=int, default=0,
                    help="groups of the benchmark's query test (0: skip)")
    ap.add_argument("--seconds", type=float, default=60,
                    help="length of the stress loop")
    ap.add_argument("--min-iters", type=int, default=3,
                    help="stress iterations at least")
    ap.add_argument("--groups", type=int, default=100,
                    help="groups per family and device per iteration")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    log("seed %d" % args.seed)
    try:
        return guest_main(args)
    except m.TestFail as e:
        print("stress-guest: FAIL: %s" % e, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
