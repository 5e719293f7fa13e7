# SPDX-License-Identifier: GPL-2.0
"""bench-guest.py's constants, small helpers and the report table (split
out to keep each file under 800 lines)."""
import json
import math
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "vmtests"))
import mclib as m                               # noqa: E402
from mclib import in_netns, setns                # noqa: E402


# Join sizes: at least 4 values of N, so that growth is a fit, not one
# ratio between two points a fixed cost can skew.
JOIN_N_FULL = [1000, 3000, 10000, 30000, 100000]
JOIN_N_QUICK = [1000, 2000, 5000, 10000]
# The stock stack's join loop is quadratic (each join walks the socket's and
# the device's lists): 100,000 joins and their teardown take it well over
# 10 minutes under TCG, so it stops here; mchost goes on to 100,000.
STOCK_JOIN_MAX = 30000
# General-query sweep (IGMPv3 report packets against the packing limit).
SWEEP_N_FULL = [1000, 10000, 30000, 100000]
SWEEP_N_QUICK = [1000, 10000]
SOURCES = 4              # the source-specific memory point: INCLUDE(4 sources)
SOURCES_N = 10000
TIMER_GROUPS = 10000
REPS = 5                 # join runs per N; the median is reported
# Up to REPS_SMALL_N a join loop takes a few ms, no more than TCG's jitter
# between runs: more runs, so that the median means something.
REPS_SMALL = 9
REPS_SMALL_N = 3000
# Small N once more, the two stacks alternating run by run (mchost loaded for
# both): the stock and mchost join phases are minutes apart, and at a few ms
# a run TCG's drift between them is as large as the difference. Each pair's
# ratio shares its moment; the order flips every pair.
AB_PAIRS = 15
AB_N_FULL = [1000, 3000]
AB_N_QUICK = [1000, 2000]
FLOOD_S = 2.0            # one flood of build/benchflood, seconds
FLOOD_REPS = 5           # UDP floods per side (module loaded, not loaded)
FLOOD_GROUPS = 10000     # memberships held during the query flood
SCALE_NS = (1000, 100)   # namespaces x memberships in each
SCALE_DEVS = (100, 1000)  # devices (one netns) x memberships on each
SCALE_NS_QUICK = (100, 100)     # --quick: N <= 10,000 here too
SCALE_DEVS_QUICK = (10, 1000)
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


def _dev_fields(ns, dev):
    with in_netns(ns):
        with open("/proc/net/dev") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name.strip() == dev:
                    return [int(x) for x in rest.split()]
    raise BenchError("no device %s in netns %s" % (dev, ns))


def dev_stats(ns, dev):
    """(tx_packets, tx_dropped) of dev from /proc/net/dev in ns."""
    v = _dev_fields(ns, dev)
    return v[9], v[11]


def dev_rx_packets(ns, dev):
    return _dev_fields(ns, dev)[1]


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


# ------------------------------------------------------------ join helper

BENCHJOIN = os.environ.get("MCHOST_BENCHJOIN", "")
BENCHFLOOD = os.environ.get("MCHOST_BENCHFLOOD", "")
# bench.sh --icount: "icount", the guest clock counts instructions.
CLOCK = os.environ.get("MCHOST_BENCH_CLOCK") or "host"


def flood(ns, dev, frame, secs=FLOOD_S, prefix=()):
    """scripts/bench/benchflood: send frame on dev for secs, as fast as
    the kernel takes it (run by the prefix command, if any); its JSON
    result."""
    r = run(list(prefix) + [BENCHFLOOD, str(m.ifindex(dev, ns)), frame.hex(),
                            str(secs)],
            ns=ns, check=False, timeout=secs + 120)
    if r.returncode != 0:
        raise BenchError("benchflood failed (exit %d): %s" % (
            r.returncode, r.stderr.strip()[-300:]))
    return json.loads(r.stdout)


def snmp(ns, proto, field):
    """One counter of /proc/net/snmp in ns (e.g. Udp NoPorts)."""
    with in_netns(ns):
        with open("/proc/net/snmp") as f:
            rows = [ln.split() for ln in f if ln.startswith(proto + ":")]
    return int(rows[1][rows[0].index(field)])


USER_HZ = os.sysconf("SC_CLK_TCK")


def softirq_ticks():
    """All CPUs' softirq time so far, in USER_HZ ticks (/proc/stat)."""
    with open("/proc/stat") as f:
        return int(f.readline().split()[7])


def _touch(path, follow):
    st = os.stat(path, follow_symlinks=follow)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns),
             follow_symlinks=follow)


def _copy_up(path):
    """Copy path, and every symlink met on the way to it, up into the
    overlay's upper layer: an unchanged timestamp set is enough (metacopy
    is off), and works on files in use, unlike opening them to write."""
    done, todo, n = "/", [p for p in path.split("/") if p], 0
    while todo:
        nxt = os.path.join(done, todo.pop(0))
        if os.path.islink(nxt):
            n += 1
            if n > 40:
                raise BenchError("symlink loop at " + nxt)
            _touch(nxt, False)
            target = os.readlink(nxt)
            todo = [p for p in target.split("/") if p] + todo
            done = "/" if target.startswith("/") else done
        else:
            done = os.path.normpath(nxt)
    _touch(done, True)


def exec_from_ram(progs):
    """Make exec of progs cost what it costs on a real machine, whose page
    cache holds the program and its libraries. The guest's root is the
    host's, read-only over 9p under a tmpfs overlay (vm.sh): every open of
    a file and every read of a symlink (/lib64, /bin; 9p caches no link)
    in the host's layer is a round trip to QEMU, about 20 per exec of a
    program linked with libmnl. They cost as much as the 1,000 joins being
    timed, and under -icount each lets the idle guest's clock jump to its
    next timer (a fork and exec from Python: about 60 ms, 6.7 ms from
    RAM). So copy the programs, their loader and
    libraries, ld.so.cache and the symlinks on the way up into the tmpfs
    layer, then count the 9p requests one exec of each still makes (0 when
    this worked): {program: requests}."""
    files = {"/etc/ld.so.cache"}
    for prog in progs:
        files.add(prog)
        out = subprocess.run(["ldd", prog], capture_output=True, text=True,
                             check=True).stdout
        files.update(w for w in out.split() if w.startswith("/"))
    for f in sorted(files):
        _copy_up(f)
    m.mount_tracefs()
    ev = os.path.join(m.TRACEFS, "events/9p/9p_client_req")
    if not os.path.isdir(ev):
        return {p: None for p in progs}     # no 9p events: cannot count
    hist = "hist:keys=common_pid:vals=hitcount"
    counts = {}
    with open(ev + "/trigger", "w") as f:
        f.write(hist + "\n")
    try:
        for prog in progs:
            before = _9p_requests(ev)
            # No arguments: each prints its usage and exits, after the
            # loader has opened everything the program links with.
            subprocess.run([prog], capture_output=True, check=False)
            counts[prog] = _9p_requests(ev) - before
    finally:
        with open(ev + "/trigger", "w") as f:
            f.write("!" + hist + "\n")
    return counts


def _9p_requests(ev):
    with open(ev + "/hist") as f:
        m_ = re.search(r"^\s*Hits: (\d+)", f.read(), re.M)
    return int(m_.group(1)) if m_ else 0


class BenchJoin:
    """scripts/bench/benchjoin: N joins in C, the same loop scope for both
    stacks. wall = exec until its result line (the user's view of a
    program that joins), loop = the system calls alone (the kernel's)."""

    def __init__(self, ns, which, idx, n, nsrc=0):
        cmd = [BENCHJOIN, which, str(idx), str(n)] + \
            ([str(nsrc)] if nsrc else [])
        t0 = time.perf_counter()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  preexec_fn=lambda: setns(ns))
        line = self.p.stdout.readline()
        self.wall = time.perf_counter() - t0
        if not line:
            self.p.wait(timeout=60)
            raise BenchError("benchjoin %s failed (exit %s): %s" % (
                " ".join(cmd[1:]), self.p.returncode,
                self.p.stderr.read().strip()))
        self.res = json.loads(line)

    def close(self):
        """End it (the stock memberships go with its socket)."""
        self.p.stdin.close()
        line = self.p.stdout.readline()
        self.p.wait(timeout=1800)
        return json.loads(line)["close_seconds"] if line else None


def fit_exponent(points):
    """Least-squares slope of log(t) over log(N): t ~ N^slope."""
    pts = [(math.log(n), math.log(t)) for n, t in points if t and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


# ------------------------------------------------- timer callback CPU time

_TRACE_RE = re.compile(r"\[(\d+)\][^\n]*?\s(\d+\.\d+): "
                       r"(hrtimer|timer)_expire_(entry|exit): h?r?timer="
                       r"(\S+)(?: function=(\S+))?")
CB_EVENTS = ["timer/timer_expire_entry", "timer/timer_expire_exit",
             "timer/hrtimer_expire_entry", "timer/hrtimer_expire_exit"]


class CallbackTime:
    """The time spent inside timer callbacks, per function: the four
    expire entry/exit trace events recorded in the ring buffer, paired by
    CPU and timer. Both stacks are measured by the same events."""

    def __init__(self):
        self.t = m.TRACEFS

    def _w(self, path, text):
        with open(os.path.join(self.t, path), "w") as f:
            f.write(text + "\n")

    def start(self):
        # Restored by stop(); "7 (expanded: 1408)" before first use.
        with open(os.path.join(self.t, "buffer_size_kb")) as f:
            self.size_kb = re.findall(r"\d+", f.read())[-1]
        self._w("buffer_size_kb", "32768")
        self._w("trace", "")
        for ev in CB_EVENTS:
            self._w("events/%s/enable" % ev, "1")
        self._w("tracing_on", "1")

    def _overruns(self):
        n = 0
        for cpu in os.listdir(os.path.join(self.t, "per_cpu")):
            with open(os.path.join(self.t, "per_cpu", cpu, "stats")) as f:
                for line in f:
                    if line.startswith("overrun:"):
                        n += int(line.split()[1])
        return n

    def stop(self, prefixes):
        """{count, seconds, max_us, unpaired, overrun} for the timer
        functions starting with one of prefixes."""
        for ev in CB_EVENTS:
            self._w("events/%s/enable" % ev, "0")
        overrun = self._overruns()
        open_ = {}
        out = {"count": 0, "seconds": 0.0, "max_us": 0.0, "unpaired": 0,
               "overrun": overrun}
        with open(os.path.join(self.t, "trace")) as f:
            for line in f:
                r = _TRACE_RE.search(line)
                if not r:
                    continue
                cpu, ts, kind, edge, ptr, fn = r.groups()
                key = (cpu, kind, ptr)
                if edge == "entry":
                    if fn and fn.startswith(prefixes):
                        open_[key] = float(ts)
                    continue
                t0 = open_.pop(key, None)
                if t0 is None:
                    continue
                d = float(ts) - t0
                out["count"] += 1
                out["seconds"] += d
                out["max_us"] = max(out["max_us"], d * 1e6)
        out["unpaired"] = len(open_)
        self._w("trace", "")
        self._w("buffer_size_kb", self.size_kb)
        return out
