# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the mchost VM integration tests (scripts/vmtests/t*.py)
and of the benchmark (scripts/bench-guest.py).

The tests run inside the QEMU guest as root, started by scripts/vmtest.sh with
MCHOST_KO, MCHOSTCTL, MCHOST_KVER and MCHOST_ROOT in the environment. A test
passes by exiting 0; every failed check raises TestFail, which main() turns
into a clear message on stderr and exit status 1.

Network namespaces: the test process itself stays where it started (the init
netns) unless it enters one with `with in_netns(name):`; commands run in a
netns through run(..., ns=name), which enters it between fork and exec
(cheaper than `ip netns exec`, which also remounts /sys).

Packets: the raw builders produce IPv4/IGMP and IPv6/MLD frames byte by byte,
so malformed variants (bad checksum, short, overrunning counts, fragments,
missing Router Alert, ...) are built with every other field correct; t20
cross-checks the valid ones against scapy's encoding. The family adapters
IGMP and MLD (class Fam) hold everything the two protocols do differently:
builders, message types, addresses, sizes, counter and column names, so that
one test runs each behaviour for both.

Times: every packet time is a kernel timestamp on CLOCK_REALTIME (the
capture's SO_TIMESTAMPNS, also for the frames the test sends itself), so it
compares exactly with time.time() taken in the test.
"""

import contextlib
import ctypes
import difflib
import ipaddress
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

KO = os.environ.get("MCHOST_KO", "")
CTL = os.environ.get("MCHOSTCTL", "")
KVER = os.environ.get("MCHOST_KVER", "")
ROOT = os.environ.get("MCHOST_ROOT", "")

PROC = "/proc/net/mchost"
PARAMS = "/sys/module/mchost/parameters"

# /proc/net/mchost/{igmp,mld}: every counter, in file order (README).
COUNTERS = ["rcv_total", "rcv_tooshort", "rcv_badsum", "rcv_queries",
            "rcv_badqueries", "rcv_reports", "rcv_badreports",
            "rcv_ourreports", "snd_reports", "rcv_fragments", "rcv_nomem",
            "rcv_unknown", "rcv_badhoplimit", "rcv_badsrc", "rcv_nora",
            "snd_errors", "qry_v1", "qry_v2", "qry_v3", "qry_general",
            "qry_group", "qry_group_source", "qry_ratelimited",
            "snd_v1_reports", "snd_v2_reports", "snd_leaves",
            "snd_v3_reports", "snd_truncated", "snd_suppressed",
            "rcv_badttl", "rcv_baddst"]
SND = ("snd_reports", "snd_v1_reports", "snd_v2_reports", "snd_leaves",
       "snd_v3_reports", "snd_errors")

# /proc/sys/kernel/tainted bits that mean a kernel bug was hit.
TAINT_BAD = {512: "W (warning)", 128: "D (oops)", 32: "B (bad page)",
             16384: "L (soft lockup)"}


# ---------------------------------------------------------------- failures

class TestFail(Exception):
    pass


def fail(msg):
    raise TestFail(msg)


def log(msg):
    print(msg, flush=True)


_T0 = time.monotonic()


def step(msg):
    """Announce a group of checks (helps to find where a test failed)."""
    print("== %s  [%.1fs]" % (msg, time.monotonic() - _T0), flush=True)


def _fmt(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v, indent=1, sort_keys=True, default=str)
    return repr(v)


def eq(actual, expected, what):
    """Exact equality, with a readable diff on failure."""
    if actual == expected:
        return
    msg = ["%s: mismatch" % what]
    if isinstance(actual, dict) and isinstance(expected, dict):
        for k in sorted(set(actual) | set(expected), key=str):
            a = actual.get(k, "<absent>")
            e = expected.get(k, "<absent>")
            if a != e:
                msg.append("  key %r: expected %s, got %s" %
                           (k, _fmt(e), _fmt(a)))
    elif isinstance(actual, (set, frozenset)) and \
            isinstance(expected, (set, frozenset)):
        for x in sorted(expected - actual, key=str):
            msg.append("  missing:    %r" % (x,))
        for x in sorted(actual - expected, key=str):
            msg.append("  unexpected: %r" % (x,))
    elif isinstance(actual, list) and isinstance(expected, list) and \
            all(isinstance(x, str) for x in actual + expected):
        msg.append("  --- expected / +++ actual")
        for ln in difflib.unified_diff(expected, actual, lineterm="", n=2):
            msg.append("  " + ln)
    else:
        msg.append("  expected: %s" % _fmt(expected))
        msg.append("  actual:   %s" % _fmt(actual))
    fail("\n".join(msg))


def check(cond, msg):
    if not cond:
        fail(msg)


def main(fn):
    """Run a test body; exit 0 on success, 1 with a message on failure."""
    t0 = time.monotonic()
    try:
        fn()
    except TestFail as e:
        sys.stdout.flush()
        print("\nFAIL: %s\n(after %.1fs)" % (e, time.monotonic() - t0),
              file=sys.stderr, flush=True)
        _dmesg_tail()
        sys.exit(1)
    except Exception:
        sys.stdout.flush()
        traceback.print_exc()
        print("\nFAIL: unexpected exception (after %.1fs)" %
              (time.monotonic() - t0), file=sys.stderr, flush=True)
        _dmesg_tail()
        sys.exit(1)
    finally:
        _cleanup_children()
    print("PASS (%.1fs)" % (time.monotonic() - t0), flush=True)
    sys.exit(0)


def _dmesg_tail():
    try:
        out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
        lines = out.splitlines()[-25:]
        if lines:
            print("--- dmesg tail ---\n" + "\n".join(lines), file=sys.stderr)
    except Exception:
        pass


# ------------------------------------------------------------ processes

def run(cmd, ns=None, check=True, input=None, timeout=60, env=None):
    """Run cmd (list, or str for /bin/sh -c); return CompletedProcess (text).

    With check=True a nonzero exit fails the test with the output shown.
    """
    shell = isinstance(cmd, str)
    try:
        r = subprocess.run(cmd, shell=shell, capture_output=True, text=True,
                           input=input, timeout=timeout, env=env,
                           preexec_fn=(lambda: setns(ns)) if ns else None)
    except subprocess.TimeoutExpired:
        fail("command timed out after %ss%s: %s" %
             (timeout, " (netns %s)" % ns if ns else "", _cmdstr(cmd)))
    if check and r.returncode != 0:
        fail("command failed (exit %d)%s: %s\nstdout: %s\nstderr: %s" %
             (r.returncode, " (netns %s)" % ns if ns else "", _cmdstr(cmd),
              r.stdout[-3000:], r.stderr[-3000:]))
    return r


def _cmdstr(cmd):
    return cmd if isinstance(cmd, str) else " ".join(str(c) for c in cmd)


_children = []


def spawn(cmd, ns=None, **kw):
    """Start a background process (killed at exit if still running)."""
    p = subprocess.Popen(cmd, preexec_fn=(lambda: setns(ns)) if ns else None,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, **kw)
    _children.append(p)
    return p


def _cleanup_children():
    for p in _children:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass


def wait_for(pred, timeout, what, interval=0.02):
    """Poll pred() until it returns a true value; fail after timeout s."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            fail("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------- netns

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def setns(ns):
    """Move this process (thread) into netns `ns` (a name, or 'init')."""
    path = "/proc/1/ns/net" if ns == "init" else "/run/netns/" + ns
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (ns, os.strerror(e)))
    finally:
        os.close(fd)


@contextlib.contextmanager
def in_netns(ns):
    """Temporarily move this process into a netns (/proc/net follows)."""
    if ns is None:
        yield
        return
    back = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns(ns)
        yield
    finally:
        _libc.setns(back, CLONE_NEWNET)
        os.close(back)


def ip(args, ns=None, check=True, timeout=60):
    """Run `ip [-n ns] ARGS...` (args: str split on spaces, or a list)."""
    if isinstance(args, str):
        args = args.split()
    pre = ["ip"] + (["-n", ns] if ns else [])
    return run(pre + args, check=check, timeout=timeout)


def netns_add(name, lo_up=True, ll=False):
    """A new netns whose devices get no IPv6 DAD and, unless ll, no IPv6
    link-local address either: then the stock stack joins no solicited-node
    group at some racy moment after link up, and `ip maddr` is stable."""
    ip(["netns", "add", name])
    for conf in ("all", "default"):
        sysctl(name, "net.ipv6.conf.%s.accept_dad" % conf, 0)
    if not ll:
        sysctl(name, "net.ipv6.conf.default.addr_gen_mode", 1)
    if lo_up:
        ip("link set lo up", ns=name)
    return name


def netns_del(name, timeout=60):
    ip(["netns", "del", name], timeout=timeout)


def sysctl(ns, key, value=None, missing_ok=False):
    """Write (or, with value None, read as int) a sysctl in netns ns; with
    missing_ok, a sysctl that does not exist is not written (False)."""
    with in_netns(ns):
        path = "/proc/sys/" + key.replace(".", "/")
        if missing_ok and not os.path.exists(path):
            return False
        if value is None:
            with open(path) as f:
                return int(f.read().split()[0])
        with open(path, "w") as f:
            f.write(str(value))
    return True


def ipv6_quiet(ns, dev, disable=False):
    """Make dev's IPv6 deterministic: no DAD, or IPv6 disabled entirely."""
    if disable:
        sysctl(ns, "net.ipv6.conf.%s.disable_ipv6" % dev, 1)
    else:
        sysctl(ns, "net.ipv6.conf.%s.accept_dad" % dev, 0)


def veth(a, ns_a, b, ns_b, up=True):
    """veth pair a (in ns_a) <-> b (in ns_b); None = the init netns."""
    cmd = ["link", "add", a]
    if ns_a:
        cmd += ["netns", ns_a]
    cmd += ["type", "veth", "peer", "name", b]
    if ns_b:
        cmd += ["netns", ns_b]
    ip(cmd)
    if up:
        ip(["link", "set", a, "up"], ns=ns_a)
        ip(["link", "set", b, "up"], ns=ns_b)


def quiet_host(ns, dev, addr4, ll6, up=True):
    """dev in ns as a host on which only mchost speaks IGMP and MLD: IPv4
    address addr4 (the stock stack reports nothing for 224.0.0.1), IPv6
    link-local address ll6 at once (nodad), and `arp off`, so that no
    solicited-node group is joined (the stock stack has nothing to report
    over MLD either)."""
    ip("link set %s arp off" % dev, ns=ns)
    if addr4:
        ip("addr add %s/24 dev %s" % (addr4, dev), ns=ns)
    if ll6:
        ip("addr add %s/64 dev %s nodad" % (ll6, dev), ns=ns)
    if up:
        ip("link set %s up" % dev, ns=ns)


def dummy(name, ns=None, up=True):
    """A dummy device with IFF_MULTICAST set (dummy clears it by default)
    and no IPv6 link-local address (so its `ip maddr` list is stable)."""
    ip(["link", "add", name, "type", "dummy"], ns=ns)
    sysctl(ns, "net.ipv6.conf.%s.addr_gen_mode" % name, 1)
    ip(["link", "set", name, "multicast", "on"] + (["up"] if up else []),
       ns=ns)


def _link(dev, ns):
    return json.loads(ip(["-j", "link", "show", "dev", dev], ns=ns).stdout)[0]


def ifindex(dev, ns=None):
    return _link(dev, ns)["ifindex"]


def link_mac(dev, ns=None):
    return _link(dev, ns)["address"]


def _maddr(dev, ns, kinds):
    r = ip(["maddr", "show", "dev", dev], ns=ns)
    return [t[1] for t in (ln.split() for ln in r.stdout.splitlines())
            if len(t) >= 2 and t[0] in kinds]


def maddr_links(dev, ns=None):
    """Link-layer multicast addresses of dev (from `ip maddr show dev`)."""
    return [a.lower() for a in _maddr(dev, ns, ("link",))]


def maddr_inet(dev, ns=None):
    """Network-layer groups the *stock* stack joined on dev (ip maddr)."""
    return set(_maddr(dev, ns, ("inet", "inet6")))


def mcast_mac(group):
    """Link-layer address of an IPv4/IPv6 multicast group (RFC 1112/2464)."""
    b = ipaddress.ip_address(group).packed
    if len(b) == 4:
        return "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7f, b[2], b[3])
    return "33:33:%02x:%02x:%02x:%02x" % (b[12], b[13], b[14], b[15])


def canon(addr):
    """Canonical text form of an address (what inet_ntop prints)."""
    return str(ipaddress.ip_address(addr))


def sort_sources(srcs):
    """Ascending byte (network) order, canonical text."""
    return [canon(s) for s in
            sorted(srcs, key=lambda s: ipaddress.ip_address(s).packed)]


def addr_bytes(a):
    return ipaddress.ip_address(a).packed if isinstance(a, str) else bytes(a)


def addr_text(b):
    return str(ipaddress.ip_address(bytes(b)))


def addr_add(base, i):
    """The address i above base ("10.8.0.0", 5 -> "10.8.0.5")."""
    return str(ipaddress.ip_address(base) + i)


# --------------------------------------------------------- module control

def module_loaded():
    return os.path.exists("/sys/module/mchost")


def insmod(*params, check=True):
    r = run(["insmod", KO] + list(params), check=False)
    if check and r.returncode != 0:
        fail("insmod %s %s failed (exit %d): %s" %
             (KO, " ".join(params), r.returncode, r.stderr.strip()))
    return r


def rmmod(check=True, timeout=60):
    r = run(["rmmod", "mchost"], check=False, timeout=timeout)
    if check and r.returncode != 0:
        fail("rmmod mchost failed (exit %d): %s" %
             (r.returncode, r.stderr.strip()))
    return r


def fresh_module(*params):
    """rmmod a leftover mchost, then insmod it (with params)."""
    if module_loaded():
        rmmod()
    insmod(*params)
    check(os.path.isdir(PROC), "%s missing after insmod" % PROC)


def write_param(name, value):
    with open(os.path.join(PARAMS, name), "w") as f:
        f.write(str(value))


def tainted():
    with open("/proc/sys/kernel/tainted") as f:
        return int(f.read().strip())


def taint_bad_bits(value=None):
    v = tainted() if value is None else value
    return [name for bit, name in TAINT_BAD.items() if v & bit]


def check_no_taint(what="kernel"):
    bad = taint_bad_bits()
    if bad:
        fail("%s: kernel tainted %s (tainted=%d); see dmesg" %
             (what, ", ".join(bad), tainted()))


class TaintWatch:
    """Fail if a bad taint bit appears that was not there at the start."""

    def __init__(self):
        self.start = tainted()
        if taint_bad_bits(self.start):
            log("note: kernel already tainted at test start: %s" %
                taint_bad_bits(self.start))

    def check(self, what="during the test"):
        now = tainted()
        new = [n for b, n in TAINT_BAD.items()
               if (now & b) and not (self.start & b)]
        if new:
            fail("kernel became tainted %s: %s (tainted=%d); see dmesg" %
                 (what, ", ".join(new), now))


# ------------------------------------------------------------ mchostctl

def ctl(args, ns=None, check=True, input=None, timeout=120, json_out=False,
        pre=None):
    """Run mchostctl ARGS (list or space-separated str) in netns ns.

    check=True: fail unless exit 0 with empty stderr. pre: a command prefix
    (e.g. setpriv ...) that ends in front of the binary, or a prefix list
    whose last element is the binary to use instead of $MCHOSTCTL (when it
    ends with "mchostctl"). The result has .t0 / .t1: time.time() before the
    command started and after it returned.
    """
    if isinstance(args, str):
        args = args.split()
    pre = list(pre or [])
    if not (pre and pre[-1].endswith("mchostctl")):
        pre.append(CTL)
    cmd = pre + (["-j"] if json_out else []) + list(args)
    t0 = time.time()
    r = run(cmd, ns=ns, check=False, input=input, timeout=timeout)
    r.t0, r.t1 = t0, time.time()
    if check and (r.returncode != 0 or r.stderr.strip()):
        fail("mchostctl %s: expected success, got exit %d\nstdout: %s\n"
             "stderr: %s" % (" ".join(args), r.returncode, r.stdout[-2000:],
                             r.stderr[-2000:]))
    return r


def ctl_json(args, ns=None, pre=None):
    r = ctl(args, ns=ns, json_out=True, pre=pre)
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        fail("mchostctl -j %s: output is not JSON (%s):\n%s" %
             (args, e, r.stdout[:2000]))


def ctl_error(args, ns=None, msg=None, pre=None, input=None):
    """Run a mchostctl command that must fail with exit 1, nothing on
    stdout and exactly 'Error: ' + msg on stderr."""
    r = ctl(args, ns=ns, check=False, pre=pre, input=input)
    a = " ".join(args) if isinstance(args, list) else args
    eq((r.returncode, r.stdout, r.stderr.strip()), (1, "", "Error: " + msg),
       "mchostctl %s: exit status, stdout, stderr" % a)
    return r


def join_args(dev, group, mode=None, sources=(), hold=False):
    a = ["join", "dev", dev, "group", group]
    if mode:
        a += ["mode", mode]
    for s in sources:
        a += ["source", s]
    if hold:
        a.append("hold")
    return a


def show_lines(ns=None, dev=None, pre=None):
    """`mchostctl show [dev DEV]` as a sorted list of lines."""
    r = ctl(["show"] + (["dev", dev] if dev else []), ns=ns, pre=pre)
    return sorted(ln for ln in r.stdout.splitlines() if ln.strip())


def show_json(ns=None, dev=None, pre=None):
    v = ctl_json(["show"] + (["dev", dev] if dev else []), ns=ns, pre=pre)
    check(isinstance(v, list), "-j show: expected a JSON array, got %r" % (v,))
    return sorted(v, key=lambda r: (r.get("ifindex", 0), str(r.get("group"))))


class Member:
    """One expected membership record."""

    def __init__(self, dev, group, mode, sources=(), owners=1, ifindex=None):
        self.dev, self.group, self.mode = dev, canon(group), mode
        self.sources = sort_sources(sources)
        self.owners, self.ifindex = owners, ifindex

    def show_line(self):
        s = "dev %s group %s mode %s" % (self.dev, self.group, self.mode)
        for src in self.sources:
            s += " source " + src
        return s + " owners %d" % self.owners

    def json(self):
        return {"ifindex": self.ifindex, "dev": self.dev, "group": self.group,
                "mode": self.mode, "sources": list(self.sources),
                "owners": self.owners}

    def proc_line(self):
        return "%s %s %s %s %d" % (self.dev, self.group, self.mode,
                                   ",".join(self.sources) or "-", self.owners)


def expect_members(members, ns=None, what="memberships", dev=None,
                   do_json=True, do_proc=True):
    """Check show, -j show and /proc/net/mchost/groups against members."""
    if dev:
        members = [m for m in members if m.dev == dev]
    eq(show_lines(ns, dev), sorted(m.show_line() for m in members),
       "%s: `mchostctl show%s`" % (what, " dev " + dev if dev else ""))
    if do_json:
        exp = sorted((m.json() for m in members),
                     key=lambda r: (r["ifindex"], r["group"]))
        eq(show_json(ns, dev), exp, "%s: `mchostctl -j show`" % what)
    if do_proc:
        hdr, lines = proc_groups(ns)
        if dev:
            lines = [ln for ln in lines if ln.split()[0] == dev]
        eq(lines, sorted(m.proc_line() for m in members),
           "%s: %s/groups" % (what, PROC))


def proc_read(name, ns=None):
    with in_netns(ns):
        with open(os.path.join(PROC, name)) as f:
            return f.read()


def proc_groups(ns=None):
    """(header, sorted lines) of /proc/net/mchost/groups."""
    lines = proc_read("groups", ns).splitlines()
    check(lines, "%s/groups is empty (no header)" % PROC)
    eq(lines[0], "dev group mode sources owners", "%s/groups header" % PROC)
    return lines[0], sorted(ln for ln in lines[1:] if ln.strip())


IFACE_COLS = "dev ifindex up mtu igmp_version mld_version groups4 groups6"
STATE_KEYS = ("rv", "qi_ms", "qri_ms", "v1_querier_ms", "v2_querier_ms",
              "general_ms")
# The whole header of /proc/net/mchost/interfaces (README).
IFACE_HEADER = IFACE_COLS.split() + ["%s_%s" % (p, k) for p in ("igmp", "mld")
                                     for k in STATE_KEYS]


def proc_interfaces(ns=None):
    """The first eight columns of each device's line (the protocol state
    columns after them change with time; see proc_iface_state)."""
    lines = proc_read("interfaces", ns).splitlines()
    check(lines, "%s/interfaces is empty (no header)" % PROC)
    eq(lines[0].split(), IFACE_HEADER, "%s/interfaces header" % PROC)
    return sorted(" ".join(ln.split()[:8]) for ln in lines[1:] if ln.strip())


def proc_iface_state(dev, ns=None):
    """Every column of dev's line in /proc/net/mchost/interfaces, by name."""
    lines = proc_read("interfaces", ns).splitlines()
    names = lines[0].split()
    for ln in lines[1:]:
        f = ln.split()
        if f and f[0] == dev:
            eq(len(f), len(names), "columns of %s in %s/interfaces" %
               (dev, PROC))
            return {k: (v if k == "dev" else int(v)) for k, v in zip(names, f)}
    fail("%s not in %s/interfaces" % (dev, PROC))


def ifaces_d(dev, ns=None):
    """dev's querier state as `mchostctl -d ifaces dev DEV` (text), `-j -d`
    and /proc/net/mchost/interfaces show it, read in that order: the three
    must agree (timers count down: each later read may be lower by the time
    between the reads, never higher; read again if a mode changed in
    between). Returns the text's fields, by name, with "t" / "t1":
    time.time() before and after the reads."""
    keys = [k for k in IFACE_HEADER if k != "mld_v1_querier_ms"]
    for attempt in range(5):
        t = time.time()
        r = ctl(["-d", "ifaces", "dev", dev], ns=ns)
        tok = r.stdout.split()
        check(len(tok) % 2 == 0 and len(r.stdout.splitlines()) == 1,
              "`mchostctl -d ifaces dev %s`: %r" % (dev, r.stdout))
        text = dict(zip(tok[::2], tok[1::2]))
        eq(list(text), keys, "`mchostctl -d ifaces dev %s`: fields" % dev)
        text = {k: (v if k == "dev" else int(v)) for k, v in text.items()}
        js = ctl_json(["-d", "ifaces", "dev", dev], ns=ns)
        check(isinstance(js, list) and len(js) == 1, "-j -d ifaces: %r" % js)
        eq(sorted(js[0]), sorted(keys), "`-j -d ifaces dev %s`: keys" % dev)
        pr = proc_iface_state(dev, ns)
        t1 = time.time()
        eq(pr["mld_v1_querier_ms"], 0, "mld_v1_querier_ms in /proc (MLD has "
           "no v1 querier)")
        timers = [k for k in keys if k.endswith("_ms") and "querier" in k or
                  k.endswith("general_ms")]
        fixed = [k for k in keys if k not in timers]
        if [js[0][k] for k in fixed] == [pr[k] for k in fixed] == \
                [text[k] for k in fixed]:
            break
    else:
        eq({k: (js[0][k], pr[k]) for k in fixed},
           {k: (text[k], text[k]) for k in fixed},
           "%s: JSON and /proc vs text (5 reads)" % dev)
    spent = int((t1 - t) * 1000) + 1
    for k in timers:
        a, b, c = text[k], js[0][k], pr[k]
        check(a >= b >= c >= a - spent, "%s of %s: text %d, JSON %d, /proc "
              "%d, read within %d ms" % (k, dev, a, b, c, spent))
    text["mld_v1_querier_ms"] = 0           # as in /proc
    text["t"], text["t1"] = t, t1
    return text


def iface_json(dev, idx, up, mtu, groups4, groups6, igmpv=3, mldv=2):
    """A device as `mchostctl -j ifaces` shows it (keys in output order)."""
    return dict(zip(IFACE_COLS.split(), (dev, idx, up, mtu, igmpv, mldv,
                                         groups4, groups6)))


def iface_line(*a, **kw):
    """The same as `mchostctl ifaces` prints it."""
    return " ".join("%s %s" % kv for kv in iface_json(*a, **kw).items())


def iface_proc_line(*a, **kw):
    """The first columns of its line in /proc/net/mchost/interfaces."""
    return " ".join(str(v) for v in iface_json(*a, **kw).values())


# -------------------------------------------------------------- counters

def read_counters(proto, ns=None):
    """/proc/net/mchost/{igmp,mld} as an ordered dict name -> int, with the
    format checked: `name value` lines, every counter of the README in its
    order, nothing else."""
    d = {}
    for ln in proc_read(proto, ns).splitlines():
        t = ln.split()
        if len(t) != 2 or not t[1].isdigit():
            fail("%s/%s: malformed line %r" % (PROC, proto, ln))
        d[t[0]] = int(t[1])
    if list(d) != COUNTERS:
        eq(list(d), COUNTERS, "%s/%s: the counters and their order" %
           (PROC, proto))
    return d


def counters(ns=None):
    return {"igmp": read_counters("igmp", ns), "mld": read_counters("mld", ns)}


def check_stats_cli(ns=None):
    """`mchostctl stats` and `-j stats` equal /proc/net/mchost/{igmp,mld}
    (read around them; retried while the counters move, e.g. snd_reports).
    Returns the counters."""
    for _ in range(10):
        c = counters(ns)
        text = ctl("stats", ns=ns).stdout.splitlines()
        js = ctl_json("stats", ns=ns)
        if counters(ns) == c:
            break
    lines = ["igmp %s %d" % kv for kv in c["igmp"].items()] + \
            ["mld %s %d" % kv for kv in c["mld"].items()]
    eq(text, lines, "`mchostctl stats` vs /proc/net/mchost/{igmp,mld}")
    eq(js, c, "`mchostctl -j stats` vs /proc/net/mchost/{igmp,mld}")
    return c


def check_invariant(c, what=""):
    """rcv_total == rcv_queries + rcv_reports + every other rcv_* except
    rcv_ourreports (which is also counted in rcv_reports)."""
    for proto, d in c.items():
        s = sum(v for k, v in d.items() if k.startswith("rcv_") and
                k not in ("rcv_total", "rcv_ourreports"))
        if s != d["rcv_total"]:
            fail("%s counter invariant broken %s: rcv_total %d != sum of the "
                 "other rcv_* %d\n%s" % (proto, what, d["rcv_total"], s,
                                         _fmt(d)))


def delta(before, after):
    return {p: {k: after[p][k] - before[p].get(k, 0) for k in after[p]}
            for p in after}


def expect_delta(before, after, exp, what, ignore=()):
    """exp: {'igmp': {'rcv_total': 1, ...}}; every other counter of both
    protocols must be unchanged (except the names in ignore)."""
    d = delta(before, after)
    for p in d:
        want = {k: exp.get(p, {}).get(k, 0) for k in d[p] if k not in ignore}
        got = {k: v for k, v in d[p].items() if k not in ignore}
        if got != want:
            diffs = ["  %s %s: expected +%d, got +%d" % (p, k, want[k], got[k])
                     for k in sorted(want) if want[k] != got[k]]
            fail("%s: counter changes differ from expected:\n%s" %
                 (what, "\n".join(diffs)))


# ------------------------------------------------------------ raw packets

def csum(data):
    """Internet checksum (RFC 1071) of bytes."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def _set_csum(msg, off, value):
    return msg[:off] + struct.pack("!H", value) + msg[off + 2:]


RA4 = b"\x94\x04\x00\x00"           # IPv4 Router Alert option (RFC 2113)


def ipv4(src, dst, payload, proto=2, ttl=1, tos=0xc0, ra=True, ident=1,
         mf=False, frag_off=0, opts=None):
    """An IPv4 packet (header checksum always correct); opts (a multiple of
    4 bytes) replaces the Router Alert option."""
    if opts is None:
        opts = RA4 if ra else b""
    check(len(opts) % 4 == 0 and len(opts) <= 40, "bad IPv4 options")
    ihl = 5 + len(opts) // 4
    flags = (0x2000 if mf else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos,
                      ihl * 4 + len(payload), ident, flags, ttl, proto, 0,
                      addr_bytes(src), addr_bytes(dst)) + opts
    hdr = _set_csum(hdr, 10, csum(hdr))
    return hdr + payload


def igmp_msg(body, bad_csum=False):
    """Fill in the checksum (bytes 2-3) of an IGMP message; bad_csum makes
    it wrong by one."""
    m = _set_csum(body, 2, 0) if len(body) >= 4 else body
    if len(m) >= 4:
        c = csum(m)
        if bad_csum:
            c = (c + 1) & 0xffff or 1
        m = _set_csum(m, 2, c)
    return m


def igmp_v12(type_, code, group, bad_csum=False):
    """8-byte IGMP: v1/v2 query (0x11), v1/v2 report (0x12/0x16), leave
    (0x17), or any other type."""
    return igmp_msg(struct.pack("!BBH4s", type_, code, 0, addr_bytes(group)),
                    bad_csum)


def igmp_v3_query(group="0.0.0.0", sources=(), mrc=100, s=0, qrv=2, qqic=125,
                  nsrc=None, bad_csum=False):
    """IGMPv3 query; nsrc overrides the source count (to overrun)."""
    n = len(sources) if nsrc is None else nsrc
    b = struct.pack("!BBH4sBBH", 0x11, mrc, 0, addr_bytes(group),
                    (s << 3) | qrv, qqic, n)
    b += b"".join(addr_bytes(x) for x in sources)
    return igmp_msg(b, bad_csum)


def _records(records, alen):
    """Group records [(rtype, group, [sources]) or with a 4th element
    overriding the source count] of an IGMPv3 / MLDv2 report."""
    body = b""
    for r in records:
        n = r[3] if len(r) > 3 else len(r[2])
        body += struct.pack("!BBH", r[0], 0, n) + addr_bytes(r[1])
        body += b"".join(addr_bytes(x) for x in r[2])
    check(all(len(addr_bytes(r[1])) == alen for r in records),
          "record group of the wrong family")
    return body


def igmp_v3_report(records, nrec=None, bad_csum=False):
    """IGMPv3 report; records as _records() takes them."""
    n = len(records) if nrec is None else nrec
    return igmp_msg(struct.pack("!BBHHH", 0x22, 0, 0, 0, n) +
                    _records(records, 4), bad_csum)


HBH_RA = bytes([5, 2, 0, 0, 1, 0])   # Router Alert (MLD) + PadN(0)
HBH_PAD = bytes([1, 4, 0, 0, 0, 0])  # PadN(4): a HbH header without RA


def ipv6(src, dst, nh, payload, hlim=1, hbh=HBH_RA, frag=None,
         dstopts=None):
    """IPv6 packet: optional Hop-by-Hop header (6 option bytes: RA by
    default, None = no HbH), optional Destination Options header (6 option
    bytes), optional Fragment header frag=(offset, more, ident), then payload
    of next header nh."""
    ext = b""
    chain = []
    if hbh is not None:
        chain.append((0, hbh))
    if dstopts is not None:
        chain.append((60, dstopts))
    if frag is not None:
        chain.append((44, frag))
    first = chain[0][0] if chain else nh
    for i, (kind, data) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else nh
        if kind in (0, 60):
            check(len(data) == 6, "HbH/DestOpt options must be 6 bytes")
            ext += bytes([nxt, 0]) + data
        else:
            off, more, ident = data
            ext += struct.pack("!BBHI", nxt, 0,
                               (off // 8) << 3 | (1 if more else 0), ident)
    plen = len(ext) + len(payload)
    hdr = struct.pack("!IHBB16s16s", 6 << 28, plen, first, hlim,
                      addr_bytes(src), addr_bytes(dst))
    return hdr + ext + payload


def icmp6_msg(src, dst, body, bad_csum=False):
    """Fill in the ICMPv6 checksum (pseudo-header with src/dst)."""
    m = _set_csum(body, 2, 0) if len(body) >= 4 else body
    if len(m) >= 4:
        pseudo = addr_bytes(src) + addr_bytes(dst) + \
            struct.pack("!IxxxB", len(m), 58)
        c = csum(pseudo + m)
        if bad_csum:
            c = (c + 1) & 0xffff or 1
        m = _set_csum(m, 2, c)
    return m


def mld_v1(src, dst, type_, group="::", mrd=0, bad_csum=False):
    """24-byte MLDv1 message: query 130, report 131, done 132."""
    return icmp6_msg(src, dst, struct.pack("!BBHHH16s", type_, 0, 0, mrd, 0,
                                           addr_bytes(group)), bad_csum)


def mld_v2_query(src, dst, group="::", sources=(), mrd=1000, s=0, qrv=2,
                 qqic=125, nsrc=None, bad_csum=False, trunc=None):
    """MLDv2 query (>= 28 bytes); nsrc overrides the count, trunc cuts the
    message to that many bytes before the checksum is computed."""
    n = len(sources) if nsrc is None else nsrc
    b = struct.pack("!BBHHH16sBBH", 130, 0, 0, mrd, 0, addr_bytes(group),
                    (s << 3) | qrv, qqic, n)
    b += b"".join(addr_bytes(x) for x in sources)
    if trunc is not None:
        b = b[:trunc]
    return icmp6_msg(src, dst, b, bad_csum)


def mld_v2_report(src, dst, records, nrec=None, bad_csum=False):
    """MLDv2 report; records as _records() takes them."""
    n = len(records) if nrec is None else nrec
    return icmp6_msg(src, dst, struct.pack("!BBHHH", 143, 0, 0, 0, n) +
                     _records(records, 16), bad_csum)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def ether(dst_mac, src_mac, ethertype, payload, pad=True):
    """Ethernet frame, padded to the 60-byte minimum like a real NIC."""
    f = mac_bytes(dst_mac) + mac_bytes(src_mac) + \
        struct.pack("!H", ethertype) + payload
    if pad and len(f) < 60:
        f += b"\0" * (60 - len(f))
    return f


def frame4(ip_packet, src_mac="02:00:00:00:00:01"):
    """Ethernet frame for an IPv4 packet, to the destination's group MAC."""
    dst = socket.inet_ntoa(ip_packet[16:20])
    return ether(mcast_mac(dst), src_mac, 0x0800, ip_packet)


def frame6(ip_packet, src_mac="02:00:00:00:00:01"):
    dst = socket.inet_ntop(socket.AF_INET6, ip_packet[24:40])
    return ether(mcast_mac(dst), src_mac, 0x86dd, ip_packet)


class L2Sender:
    """AF_PACKET socket bound to dev in netns ns, for injecting frames."""

    def __init__(self, dev, ns=None):
        with in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            self.sock.bind((dev, 0))
        self.dev = dev

    def send(self, frame):
        n = self.sock.send(frame)
        check(n == len(frame), "short send on %s: %d of %d" %
              (self.dev, n, len(frame)))

    def close(self):
        self.sock.close()


# ----------------------------------------------------------- scapy (lazy)

def scapy_layers():
    """Import only the scapy layers the tests need (~3 s under TCG)."""
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import IP, IPOption_Router_Alert
    from scapy.layers.inet6 import (IPv6, IPv6ExtHdrHopByHop, RouterAlert,
                                    ICMPv6MLQuery2)
    from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
    return dict(Ether=Ether, IP=IP, IPv6=IPv6,
                IPOption_Router_Alert=IPOption_Router_Alert,
                IPv6ExtHdrHopByHop=IPv6ExtHdrHopByHop,
                RouterAlert=RouterAlert, ICMPv6MLQuery2=ICMPv6MLQuery2,
                IGMPv3=IGMPv3, IGMPv3mq=IGMPv3mq)


def scapy_igmpv3_query(S, src, dst, group, sources=(), mrc=100, qrv=2,
                       qqic=125):
    """Independent encoding (scapy) of the valid IGMPv3 query ipv4()/
    igmp_v3_query() build; returns the IP packet bytes."""
    q = S["IP"](src=src, dst=dst, ttl=1, tos=0xc0, id=1, flags=0,
                options=[S["IPOption_Router_Alert"]()]) / \
        S["IGMPv3"](type=0x11, mrcode=mrc) / \
        S["IGMPv3mq"](gaddr=group, qrv=qrv, qqic=qqic,
                      srcaddrs=list(sources))
    return bytes(q)


def scapy_mldv2_query(S, src, dst, group="::", sources=(), mrd=1000, qrv=2,
                      qqic=125):
    q = S["IPv6"](src=src, dst=dst, hlim=1) / \
        S["IPv6ExtHdrHopByHop"](options=[S["RouterAlert"](value=0)]) / \
        S["ICMPv6MLQuery2"](mrd=mrd, mladdr=group, QRV=qrv, QQIC=qqic,
                            sources=list(sources))
    return bytes(q)


# ------------------------------------------------------ the two families

# Group record types (RFC 9776 §4.2.12, RFC 9777 §5.2.12).
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6
REC_NAMES = {IS_IN: "IS_IN", IS_EX: "IS_EX", TO_IN: "TO_IN",
             TO_EX: "TO_EX", ALLOW: "ALLOW", BLOCK: "BLOCK"}


class Fam:
    """What IGMP and MLD do differently, for tests that run both.

    Versions are given as levels: 3 = IGMPv3 / MLDv2, 2 = IGMPv2 / MLDv1,
    1 = IGMPv1. Message kinds follow the counters: "v3" (IGMPv3 / MLDv2
    report), "v2" (IGMPv2 / MLDv1 report), "v1" (IGMPv1 report), "leave"
    (Leave / Done) and "query"."""

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.rec_hdr = 4 + self.alen            # group record header
        self.vcol = self.name + "_version"      # ifaces / interfaces column
        self.maxparam = self.name + "_max_version"

    def __repr__(self):
        return self.name.upper()

    def ver(self, level):
        """The version number that level has in `ifaces` (igmp_version /
        mld_version)."""
        return level if self.v4 else level - 1

    def kind(self, type_):
        return self.kinds.get(type_, "type%s" % type_)

    def per_pkt(self, mtu):
        """Zero-source records that fit in one report at mtu."""
        return (mtu - self.iphdr - 8) // self.rec_hdr

    def fit(self, mtu):
        """Sources that fit in a record alone in a report at mtu."""
        return (mtu - self.iphdr - 8 - self.rec_hdr) // self.alen

    def is_ll(self, group):
        """A link-local group (224.0.0.x, ff02::/16): reported only with
        report_link_local=1."""
        b = addr_bytes(group)
        return b[:3] == b"\xe0\0\0" if self.v4 else b[:2] == b"\xff\x02"

    def code(self, level, mrt):
        """The Max Resp Code of a query of level with Max Resp Time mrt
        seconds (only the linear range: IGMP 1/10 s, MLD ms)."""
        c = int(round(mrt * (10 if self.v4 else 1000)))
        check(c < (128 if self.v4 else 32768), "MRT %s s is not linear" % mrt)
        return c

    def query(self, src, group=None, sources=(), level=3, mrt=1.0, code=None,
              qrv=2, qqic=125, dst=None, ttl=1, ra=True, **kw):
        """An IP packet carrying a query (kw: the raw builder's nsrc,
        bad_csum, ...; IPv4 ident/mf/frag_off, IPv6 frag)."""
        group = group or self.any
        dst = dst or (self.all_hosts if group == self.any else group)
        code = self.code(level, mrt) if code is None else code
        ipkw = {k: kw.pop(k) for k in ("ident", "mf", "frag_off", "frag")
                if k in kw}
        if self.v4:
            if level == 3:
                msg = igmp_v3_query(group, sources, code, qrv=qrv, qqic=qqic,
                                    **kw)
            else:
                msg = igmp_v12(0x11, 0 if level == 1 else code, group, **kw)
            return ipv4(src, dst, msg, ttl=ttl, ra=ra, **ipkw)
        if level == 3:
            msg = mld_v2_query(src, dst, group, sources, code, qrv=qrv,
                               qqic=qqic, **kw)
        else:
            msg = mld_v1(src, dst, 130, group, code, **kw)
        return ipv6(src, dst, 58, msg, hlim=ttl, hbh=HBH_RA if ra else None,
                    **ipkw)

    def report(self, src, group):
        """Another host's IGMPv2 / MLDv1 report for group."""
        if self.v4:
            return ipv4(src, group, igmp_v12(0x16, 0, group))
        return ipv6(src, group, 58, mld_v1(src, group, 131, group))

    def frame(self, ip_packet, src_mac="02:00:00:00:00:01"):
        return (frame4 if self.v4 else frame6)(ip_packet, src_mac)


IGMP = Fam(name="igmp", v4=True, af=socket.AF_INET, ethertype=0x0800,
           alen=4, iphdr=24, any="0.0.0.0", all_hosts="224.0.0.1",
           v3_dst="224.0.0.22", leave_dst="224.0.0.2",
           kinds={0x11: "query", 0x12: "v1", 0x16: "v2", 0x17: "leave",
                  0x22: "v3"}, sol=socket.IPPROTO_IP)
MLD = Fam(name="mld", v4=False, af=socket.AF_INET6, ethertype=0x86dd,
          alen=16, iphdr=48, any="::", all_hosts="ff02::1",
          v3_dst="ff02::16", leave_dst="ff02::2",
          kinds={130: "query", 131: "v2", 132: "leave", 143: "v3"},
          sol=socket.IPPROTO_IPV6)
FAMS = (IGMP, MLD)


def fam_of(addr):
    return IGMP if len(addr_bytes(addr)) == 4 else MLD


# ------------------------------------------------------- captured packets

class Pkt:
    """One captured IPv4 packet carrying IGMP or IPv6 packet carrying MLD,
    parsed from raw bytes.

    t (kernel timestamp, CLOCK_REALTIME), fam (IGMP/MLD, None if neither),
    src, dst, ttl (IPv6: hop limit), tos (IPv4), ra (a Router Alert: IPv4
    option, or IPv6 Hop-by-Hop option of value 0), ext (IPv6 extension
    headers in order), iplen, type, group (v1/v2 messages and queries),
    records (v3 reports: [(rtype, group, (sources...))] in packet order),
    errors (every malformation found)."""

    def __init__(self, data, t=0.0):
        self.t, self.raw, self.errors, self.records = t, bytes(data), [], []
        self.fam = self.type = self.group = self.src = self.dst = None
        self.ttl = self.tos = None
        self.ra, self.ext, self.iplen = False, [], len(data)
        d = self.raw
        v = d[0] >> 4 if d else 0
        p = self._ip4(d) if v == 4 and len(d) >= 20 else \
            self._ip6(d) if v == 6 and len(d) >= 40 else None
        if p is not None:
            self._msg(p)

    def _ip4(self, d):
        ihl = (d[0] & 0xf) * 4
        self.iplen = struct.unpack("!H", d[2:4])[0]
        self.tos, self.ttl = d[1], d[8]
        self.src, self.dst = socket.inet_ntoa(d[12:16]), \
            socket.inet_ntoa(d[16:20])
        if d[9] != 2:
            return None
        self.fam = IGMP
        if ihl < 20 or len(d) < ihl:
            self.errors.append("bad IPv4 IHL %#x" % d[0])
            return None
        if csum(d[:ihl]) != 0:
            self.errors.append("bad IPv4 header checksum")
        if self.iplen != len(d):
            self.errors.append("IP total length %d != %d bytes received" %
                               (self.iplen, len(d)))
        self.ra = RA4 in _ip_options(d[20:ihl])
        if struct.unpack("!H", d[6:8])[0] & 0x3fff:
            self.errors.append("IP fragment")
        p = d[ihl:self.iplen]
        if len(p) >= 4 and csum(p) != 0:
            self.errors.append("bad IGMP checksum")
        return p

    def _ip6(self, d):
        plen = struct.unpack("!H", d[4:6])[0]
        nh, self.ttl = d[6], d[7]
        self.src = socket.inet_ntop(socket.AF_INET6, d[8:24])
        self.dst = socket.inet_ntop(socket.AF_INET6, d[24:40])
        if 40 + plen != len(d):
            self.errors.append("payload length %d != %d bytes received" %
                               (plen, len(d) - 40))
            d = d[:40 + plen]
        off = 40
        while nh in (0, 43, 44, 60):
            if len(d) - off < 8:
                self.errors.append("extension header %d overruns" % nh)
                return None
            hlen = 8 if nh == 44 else (d[off + 1] + 1) * 8
            if len(d) - off < hlen:
                self.errors.append("extension header %d overruns" % nh)
                return None
            self.ext.append(nh)
            if nh == 0:
                if len(self.ext) != 1:
                    self.errors.append("Hop-by-Hop header not first")
                self._hbh(d[off + 2:off + hlen])
            nh = d[off]
            off += hlen
        p = d[off:]
        if nh != 58 or not p or p[0] not in MLD.kinds:
            return None
        self.fam, self.iplen = MLD, len(d)
        pseudo = d[8:40] + struct.pack("!IxxxB", len(p), 58)
        if csum(pseudo + p) != 0:
            self.errors.append("bad ICMPv6 checksum")
        return p

    def _hbh(self, opts):
        i = 0
        while i < len(opts):
            if opts[i] == 0:
                i += 1
                continue
            if i + 1 >= len(opts) or i + 2 + opts[i + 1] > len(opts):
                self.errors.append("Hop-by-Hop option overruns")
                return
            if opts[i] == 5:
                v = opts[i + 2:i + 2 + opts[i + 1]]
                if self.ra or v != b"\0\0":
                    self.errors.append("Router Alert %r (a second one, or "
                                       "not MLD's value 0)" % v)
                self.ra = True
            elif opts[i] != 1:
                self.errors.append("unexpected Hop-by-Hop option %d" %
                                   opts[i])
            i += 2 + opts[i + 1]

    def _msg(self, p):
        f = self.fam
        v1len = 8 if f.v4 else 24          # v1/v2 messages, old queries
        if len(p) < 8:
            self.errors.append("message too short: %d bytes" % len(p))
            return
        self.type = p[0]
        kind = f.kind(p[0])
        if kind in ("query", "v1", "v2", "leave"):
            if len(p) < v1len:
                self.errors.append("%s of %d bytes" % (kind, len(p)))
                return
            self.group = socket.inet_ntop(f.af, p[v1len - f.alen:v1len])
            if kind != "query" and len(p) != v1len:
                self.errors.append("%s message of %d bytes" % (kind, len(p)))
            if kind != "query" and not f.v4 and \
                    (p[1] or p[4:8] != b"\0" * 4):
                self.errors.append("MLDv1 code/max delay/reserved not zero")
        elif kind == "v3":
            self._records(p)

    def _records(self, p):
        """Walk the group records: header 4 + alen bytes, alen per source,
        4 per aux word."""
        a, af = self.fam.alen, self.fam.af
        if p[1] or p[4:6] != b"\0\0":
            self.errors.append("v3 report: reserved fields not zero")
        off = 8
        for i in range(struct.unpack("!H", p[6:8])[0]):
            if len(p) - off < 4 + a:
                self.errors.append("record %d overruns the packet" % i)
                return
            rtype, aux, ns = struct.unpack("!BBH", p[off:off + 4])
            end = off + 4 + a + a * ns + 4 * aux
            if end > len(p):
                self.errors.append("record %d (%d sources) overruns the "
                                   "packet" % (i, ns))
                return
            if aux:
                self.errors.append("record %d has aux data" % i)
            if rtype not in REC_NAMES:
                self.errors.append("record %d: bad type %d" % (i, rtype))
            s0 = off + 4 + a
            self.records.append((rtype, socket.inet_ntop(af, p[off + 4:s0]),
                                 tuple(socket.inet_ntop(af, p[s0 + a * j:
                                                              s0 + a * j + a])
                                       for j in range(ns))))
            off = end
        if off != len(p):
            self.errors.append("%d bytes after the last record" %
                               (len(p) - off))

    def kind(self):
        return self.fam.kind(self.type) if self.fam else "non-IGMP/MLD"

    def __repr__(self):
        body = " ".join(rec_str(r) for r in self.records) \
            if self.kind() == "v3" else "group %s" % self.group
        return "<%.3f %s>%s %s %s%s>" % (
            self.t % 1000, self.src, self.dst, self.kind(), body,
            " ERR %s" % self.errors if self.errors else "")


def _ip_options(opts):
    """The IPv4 options as a list of raw option byte strings."""
    out, i = [], 0
    while i < len(opts):
        if opts[i] == 0:
            break
        if opts[i] == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        out.append(bytes(opts[i:i + opts[i + 1]]))
        i += opts[i + 1]
    return out


def rec_str(r):
    return "%s(%s){%s}" % (REC_NAMES.get(r[0], r[0]), r[1], ",".join(r[2]))


def rec(rtype, group, sources=()):
    """A record as records() returns it (canonical, sources sorted)."""
    return (rtype, canon(group), tuple(sort_sources(sources)))


def records(pkts):
    """All v3 report records of pkts, in arrival order, sources sorted (the
    addresses are canonical already: inet_ntop)."""
    return [(r[0], r[1], tuple(sorted(r[2], key=lambda a, af=p.fam.af:
                                      socket.inet_pton(af, a))))
            for p in pkts if p.kind() == "v3" for r in p.records]


def snd_expect(pkts, errors=0):
    """The snd_* counter changes that the captured packets imply."""
    k = [p.kind() for p in pkts]
    return {"snd_reports": len(pkts), "snd_v1_reports": k.count("v1"),
            "snd_v2_reports": k.count("v2"), "snd_leaves": k.count("leave"),
            "snd_v3_reports": k.count("v3"), "snd_errors": errors}


def check_framing(p, src, what, dst=None):
    """The framing every report of ours must have (RFC 9776 §4, RFC 2236
    §2, RFC 9777 §5, RFC 2710 §3): well-formed, TTL / hop limit 1, Router
    Alert (IPv4: TOS 0xc0; IPv6: in a Hop-by-Hop header, first and only),
    our source, the right destination per message type."""
    f = p.fam
    if dst is None:
        dst = {"v3": f.v3_dst, "leave": f.leave_dst}.get(p.kind(), p.group)
    got = {"errors": p.errors, "ttl": p.ttl, "ra": p.ra, "src": p.src,
           "dst": p.dst, "more": p.tos if f.v4 else p.ext}
    eq(got, {"errors": [], "ttl": 1, "ra": True, "src": canon(src),
             "dst": canon(dst), "more": 0xc0 if f.v4 else [0]},
       "%s: framing of %r (more: %s)" % (what, p, "TOS" if f.v4 else
                                         "IPv6 extension headers"))


# ------------------------------------------------------------- capture

ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_STATISTICS, PACKET_OUTGOING = 263, 6, 4
SO_RCVBUFFORCE = 33
SO_TIMESTAMPNS = 35


class Capture:
    """An AF_PACKET socket on dev (netns ns) read by a background thread.

    The thread only stores the frames with the kernel's receive timestamp,
    so that it keeps up with bursts; get() parses the incoming IGMP and MLD
    packets (Pkt) and fails if the socket dropped a frame. With raw=True
    only the times of incoming IGMP and MLD frames are kept (those with a
    Hop-by-Hop header first, as mchost sends them). send() injects a frame
    through another socket on the same device and returns the kernel
    timestamp of its transmission (the copy this socket sees of it)."""

    def __init__(self, dev, ns=None, raw=False):
        with in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(ETH_P_ALL))
            self.sock.bind((dev, ETH_P_ALL))
            self.tx = L2Sender(dev)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.settimeout(0.1)
        self.raw, self.dev = raw, dev
        self.lock = threading.Lock()
        self.pkts, self.sent, self.times, self.untimed = [], [], [], 0
        self.frames, self.drops = [], 0
        self.last = time.monotonic()     # when the thread last took a frame
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                data, anc, _, addr = self.sock.recvmsg(65535, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            self.last = time.monotonic()
            t = None
            for lvl, typ, val in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("@qq", val[:16])
                    t = sec + nsec / 1e9
            with self.lock:
                if t is None:
                    self.untimed += 1
                elif addr[2] == PACKET_OUTGOING:
                    self.sent.append((data, t))
                elif self.raw:
                    if data[12:14] == b"\x08\x00" and data[23] == 2 or \
                            data[12:14] == b"\x86\xdd" and data[20] == 0 \
                            and data[54] == 58 and data[62] in MLD.kinds:
                        self.times.append(t)
                else:
                    self.frames.append((data, t))

    def send(self, frame):
        """Send frame; return its kernel transmit timestamp."""
        with self.lock:
            n = len(self.sent)
        self.tx.send(frame)

        def seen():
            with self.lock:
                return [t for d, t in self.sent[n:] if d == frame]
        return wait_for(seen, 5, "the capture on %s to see our frame" %
                        self.dev, interval=0.002)[0]

    def get(self, since=None, until=None, fam=None, pred=None):
        """Packets that arrived in [since, until) (time.time() clock)."""
        eq(self.untimed, 0, "frames captured without a kernel timestamp")
        self.drops += struct.unpack("II", self.sock.getsockopt(
            SOL_PACKET, PACKET_STATISTICS, 8))[1]
        eq(self.drops, 0, "frames the capture on %s dropped" % self.dev)
        with self.lock:
            new, self.frames = self.frames, []
        for data, t in new:
            p = Pkt(data[14:], t)
            if p.fam:
                self.pkts.append(p)
        ps = list(self.pkts)
        return [p for p in ps if (since is None or p.t >= since) and
                (until is None or p.t < until) and
                (fam is None or p.fam is fam) and (pred is None or pred(p))]

    def wait(self, fn, timeout, what, since=None, fam=None):
        """Poll fn(packets since `since`) until it returns a true value."""
        return wait_for(lambda: fn(self.get(since, fam=fam)), timeout, what)

    def settle(self, quiet=0.3, timeout=60):
        """Wait until the thread has taken no frame for `quiet` seconds:
        it has caught up with a burst."""
        wait_for(lambda: time.monotonic() - self.last >= quiet, timeout,
                 "the capture to catch up", interval=0.05)

    def close(self):
        self.stop_ev.set()
        self.th.join(2)
        self.sock.close()
        self.tx.close()


# ------------------------------------------------------ a bridge querier

def bridge_querier(ns, name="br0"):
    """A Linux bridge in ns that snoops and queries IGMPv3 and MLDv2 with
    fast timers (the intervals are set first: see harness.md)."""
    ip(["link", "add", name, "type", "bridge", "mcast_snooping", "1",
        "mcast_igmp_version", "3", "mcast_mld_version", "2",
        "mcast_stats_enabled", "1", "mcast_startup_query_interval", "100",
        "mcast_query_interval", "500", "mcast_query_response_interval", "100",
        "mcast_querier_interval", "300"], ns=ns)
    ip(["link", "set", name, "type", "bridge", "mcast_querier", "1"], ns=ns)


def mdb_entries(ns, br="br0"):
    """`bridge -d -j mdb show dev BR` in netns ns, as a list of dicts."""
    r = run(["bridge", "-n", ns, "-d", "-j", "mdb", "show", "dev", br])
    try:
        data = json.loads(r.stdout or "[]")
    except ValueError:
        fail("bridge -j mdb show: not JSON: %r" % r.stdout[:500])
    return [e for blk in data for e in blk.get("mdb", [])]


def mdb_shape(entries, port, groups):
    """The mdb entries of one port for the given groups, as a set of
    (group, source or None, filter_mode, source_list, flags sorted): the
    source_list holds (address, "0" or "running") pairs, in byte order."""
    want = {canon(g) for g in groups}
    out = set()
    for e in entries:
        if e.get("port") != port or canon(e["grp"]) not in want:
            continue
        sl = tuple((canon(s["address"]), "0" if float(s["timer"]) == 0
                    else "running") for s in sorted(
                        e.get("source_list", []),
                        key=lambda s: addr_bytes(s["address"])))
        out.add((canon(e["grp"]), canon(e["src"]) if e.get("src") else None,
                 e.get("filter_mode"), sl, tuple(sorted(e.get("flags", [])))))
    return out


def mdb_expect(group, mode, sources=()):
    """What a snooping bridge holds for a port in state mode{sources}: a
    (*,G) entry with the filter mode and the source list (timers running
    for INCLUDE sources, stopped at 0 for EXCLUDE ones, RFC 9776 §6.3),
    plus one (S,G) entry per source (flagged "blocked" for EXCLUDE)."""
    g, srcs = canon(group), tuple(sort_sources(sources))
    timer = "0" if mode == "exclude" else "running"
    out = {(g, None, mode, tuple((s, timer) for s in srcs), ())}
    for s in srcs:
        out.add((g, s, "include", (), ("blocked",) if mode == "exclude"
                 else ()))
    return out


def xstats(ns, port):
    """The multicast counters of a bridge port (ip -j link xstats)."""
    r = ip(["-j", "link", "xstats", "type", "bridge_slave", "dev", port],
           ns=ns)
    for blk in json.loads(r.stdout):
        if blk.get("ifname") == port and "multicast" in blk:
            return blk["multicast"]
    fail("no multicast xstats for bridge port %s:\n%s" % (port, r.stdout))


# ------------------------------------------------------- timer firings

TRACEFS = "/sys/kernel/tracing"
TIMER_EVENTS = ["timer/timer_start", "timer/timer_expire_entry",
                "timer/hrtimer_start", "timer/hrtimer_expire_entry"]
HIST = "hist:keys=function.sym:vals=hitcount:size=4096"


class TimerCount:
    """tracefs hist triggers on the timer events: hits per timer function."""

    def __init__(self):
        if not os.path.isdir(TRACEFS + "/events/timer"):
            run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=False)
        check(os.path.isdir(TRACEFS + "/events/timer"),
              "no tracefs timer events at %s" % TRACEFS)

    def _trigger(self, ev, text):
        with open("%s/events/%s/trigger" % (TRACEFS, ev), "w") as f:
            f.write(text + "\n")

    def start(self):
        self.clear()            # a trigger left over by a failed run
        for ev in TIMER_EVENTS:
            self._trigger(ev, HIST)

    def stop(self):
        """Read, remove; returns {event: {function: count}}."""
        # Not ":pause" first: on 6.12 that left the histograms empty.
        out = {}
        for ev in TIMER_EVENTS:
            with open("%s/events/%s/hist" % (TRACEFS, ev)) as f:
                out[ev.split("/")[1]] = parse_hist(f.read())
        self.clear()
        return out

    def clear(self):
        for ev in TIMER_EVENTS:
            try:
                self._trigger(ev, "!" + HIST)
            except OSError:     # none there
                pass


def parse_hist(text):
    counts = {}
    for m in re.finditer(r"\{\s*function:\s*(?:\[[0-9a-f]+\]\s*)?"
                         r"([^\s}]+)[^}]*\}\s*hitcount:\s*(\d+)", text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
    if not counts and "hitcount" in text and "Hits: 0" not in text:
        fail("cannot parse a hist file:\n" + text[:1000])
    return counts


def engine_timers(counts, prefixes):
    """Sum the hit counts of the timer functions of one engine."""
    out = {}
    for ev, fns in counts.items():
        out[ev] = sum(c for fn, c in fns.items() if fn.startswith(prefixes))
        out[ev + "_all"] = sum(fns.values())
    return out


# ------------------------------------ stock socket memberships (RFC 3678)

MCAST_JOIN_GROUP, MCAST_BLOCK_SOURCE = 42, 43
MCAST_JOIN_SOURCE_GROUP, MCAST_LEAVE_SOURCE_GROUP = 46, 47


def _sockaddr(addr):
    """struct sockaddr_storage (128 bytes) holding addr."""
    if fam_of(addr) is IGMP:
        b = struct.pack("@H2x4s", socket.AF_INET, addr_bytes(addr))
    else:
        b = struct.pack("@HHI16sI", socket.AF_INET6, 0, 0, addr_bytes(addr),
                        0)
    return b + b"\0" * (128 - len(b))


def stock_mcast(sk, opt, ifidx, group, source=None):
    """setsockopt(opt) with a struct group_req / group_source_req."""
    sk.setsockopt(fam_of(group).sol, opt, struct.pack("@I4x", ifidx) +
                  _sockaddr(group) + (_sockaddr(source) if source else b""))


# ------------------------------------------------ raw generic netlink client

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION = 1, 2, 3

# include/uapi/linux/mchost.h
(MCHOST_CMD_JOIN, MCHOST_CMD_LEAVE, MCHOST_CMD_GET_GROUP,
 MCHOST_CMD_GET_IFACE) = 1, 2, 3, 4
MCHOST_FMODE_INCLUDE, MCHOST_FMODE_EXCLUDE = 1, 2
(A_IFINDEX, A_IFNAME, A_GROUP, A_FMODE, A_SOURCES, A_SOURCE, A_PERSISTENT,
 A_OWNERS, A_IGMP_VERSION, A_MLD_VERSION, A_NGROUPS4, A_NGROUPS6, A_MTU,
 A_UP) = range(1, 15)


def nla(type_, payload):
    """One netlink attribute (payload bytes, padded to 4)."""
    hdr = struct.pack("=HH", 4 + len(payload), type_)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def nla_u32(t, v):
    return nla(t, struct.pack("=I", v))


def nla_u8(t, v):
    return nla(t, struct.pack("=B", v))


def nla_flag(t):
    return nla(t, b"")


def nla_nest(t, *attrs):
    return nla(t | NLA_F_NESTED, b"".join(attrs))


def nla_parse(data):
    """[(type without flags, payload bytes)] of a buffer of attributes."""
    out = []
    off = 0
    while off + 4 <= len(data):
        ln, t = struct.unpack_from("=HH", data, off)
        if ln < 4 or off + ln > len(data):
            fail("malformed netlink attribute at offset %d: len %d" %
                 (off, ln))
        out.append((t & 0x3fff, data[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


class Genl:
    """A generic netlink socket of family `name` in netns ns."""

    def __init__(self, name="mchost", ns=None):
        with in_netns(ns):
            self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                    NETLINK_GENERIC)
        self.sk.bind((0, 0))
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 0
        self.family, self.version = None, None
        if name:
            err, msg, replies = self.request(
                GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"), ack=False)
            if err:
                fail("genl family %r not found: %s %s" %
                     (name, os.strerror(-err), msg))
            attrs = dict(nla_parse(replies[0][4:]))
            self.family = struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID])[0]
            self.version = struct.unpack("=I", attrs[CTRL_ATTR_VERSION])[0]

    def close(self):
        self.sk.close()

    def _send(self, type_, cmd, attrs, flags, version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        self.sk.send(struct.pack("=IHHII", 16 + len(body), type_, flags,
                                 self.seq, 0) + body)
        return self.seq

    def _recv(self, seq):
        """Yield (type, flags, payload) of the replies to seq."""
        while True:
            data = self.sk.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, sq, _ = struct.unpack_from("=IHHII", data, off)
                if ln < 16:
                    fail("netlink: bad message length %d" % ln)
                if sq == seq:
                    yield t, fl, data[off + 16:off + ln]
                off += (ln + 3) & ~3

    @staticmethod
    def _error(fl, payload):
        err = struct.unpack_from("=i", payload)[0]
        msg = ""
        if fl & NLM_F_ACK_TLVS:
            olen = struct.unpack_from("=I", payload, 4)[0]
            toff = 4 + (16 if fl & NLM_F_CAPPED else olen)
            toff = (toff + 3) & ~3
            miss = None
            for t, v in nla_parse(payload[toff:]):
                if t == 1:          # NLMSGERR_ATTR_MSG
                    msg = v.rstrip(b"\0").decode(errors="replace")
                elif t == 5 and len(v) == 4:    # NLMSGERR_ATTR_MISS_TYPE
                    miss = struct.unpack("=I", v)[0]
            if miss is not None:
                msg = (msg + " " if msg else "") + \
                    "[missing attribute %d]" % miss
        return err, msg

    def request(self, type_, cmd, attrs=b"", ack=True, version=1):
        """A do-request: (errno <= 0, extack message, [reply payloads])."""
        flags = NLM_F_REQUEST | (NLM_F_ACK if ack else 0)
        seq = self._send(type_, cmd, attrs, flags, version)
        replies = []
        for t, fl, p in self._recv(seq):
            if t == NLMSG_ERROR:
                err, msg = self._error(fl, p)
                return err, msg, replies
            replies.append(p)
            if not ack:
                return 0, "", replies

    def do(self, cmd, *attrs):
        """mchost do-request: (errno <= 0, extack message)."""
        err, msg, _ = self.request(self.family, cmd, b"".join(attrs))
        return err, msg

    def dump(self, cmd, *attrs):
        """mchost dump: list of [(attr type, payload)], one per message."""
        seq = self._send(self.family, cmd, b"".join(attrs),
                         NLM_F_REQUEST | NLM_F_DUMP)
        out = []
        for t, fl, p in self._recv(seq):
            if t == NLMSG_DONE:
                return out
            if t == NLMSG_ERROR:
                err, msg = self._error(fl, p)
                fail("genl dump cmd %d failed: %s (%s)" %
                     (cmd, os.strerror(-err), msg))
            out.append(nla_parse(p[4:]))


def genl_join(g, ifidx, group, mode=None, sources=(), persistent=True):
    a = [nla_u32(A_IFINDEX, ifidx), nla(A_GROUP, addr_bytes(group))]
    if mode is not None:
        a.append(nla_u8(A_FMODE, mode))
    if sources:
        a.append(nla_nest(A_SOURCES, *[nla(A_SOURCE, addr_bytes(s))
                                       for s in sources]))
    if persistent:
        a.append(nla_flag(A_PERSISTENT))
    return g.do(MCHOST_CMD_JOIN, *a)


def genl_leave(g, ifidx, group, persistent=True):
    a = [nla_u32(A_IFINDEX, ifidx), nla(A_GROUP, addr_bytes(group))]
    if persistent:
        a.append(nla_flag(A_PERSISTENT))
    return g.do(MCHOST_CMD_LEAVE, *a)


# =====================================================================
# Kernel reports, parameters, nftables, slabs (t85, t97, t99).
# =====================================================================

def _report_re():
    """scripts/kernel/reports.ere (what run-guest.sh fails a test on) as
    one Python regular expression."""
    with open(os.path.join(ROOT or ".", "scripts/kernel/reports.ere")) as f:
        pats = [ln.rstrip("\n") for ln in f
                if ln.strip() and not ln.lstrip().startswith("#")]
    return re.compile("|".join("(?:%s)" % p for p in pats))


def dmesg_lines():
    return run(["dmesg"]).stdout.splitlines()


class KernelReports:
    """Kernel reports (scripts/kernel/reports.ere) logged since this object
    was made, found after a marker line written to /dev/kmsg (the whole
    log if the marker has been overwritten)."""

    def __init__(self):
        self.mark = "mchost-test: mark %d.%d" % (os.getpid(), time.time_ns())
        with open("/dev/kmsg", "w") as f:
            f.write(self.mark + "\n")
        self.re = _report_re()

    def new(self):
        lines = dmesg_lines()
        at = [i for i, ln in enumerate(lines) if self.mark in ln]
        lines = lines[at[-1] + 1:] if at else lines
        hits = [i for i, ln in enumerate(lines) if self.re.search(ln)]
        if not hits:
            return []
        return lines[max(0, hits[0] - 5):hits[0] + 40]

    def check(self, what="during the test"):
        rep = self.new()
        if rep:
            fail("kernel report %s (first 45 lines around the first "
                 "one):\n%s" % (what, "\n".join(rep)))


def param_ranges(ko=None):
    """{parameter: (low, high, default)} from `modinfo -p`: each of
    mchost's parameter descriptions ends in "(LOW-HIGH, default D)";
    parameters without one map to None."""
    out = {}
    for ln in run(["modinfo", "-p", ko or KO]).stdout.splitlines():
        name, _, desc = ln.partition(":")
        mt = re.search(r"\((\d+)-(\d+), default (\d+)\)", desc)
        out[name.strip()] = tuple(int(x) for x in mt.groups()) if mt \
            else None
    return out


def param_names():
    """The parameters the loaded module has (sysfs), sorted."""
    return sorted(os.listdir(PARAMS))


# nftables over raw netlink (the guest has no nft or iptables binary): an
# inet table with one OUTPUT base chain whose policy drops every packet.
NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END = 0x10, 0x11
NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWCHAIN = 0, 2, 3
NFPROTO_INET, NF_INET_LOCAL_OUT, NF_DROP = 1, 3, 0
NLM_F_CREATE = 0x400


def _nft_batch(ns, msgs):
    """Send one nftables batch [(type, flags, attrs)] in netns ns; fail
    unless every message is acked with 0."""
    run(["modprobe", "nf_tables"], check=False)
    with in_netns(ns):
        sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                           NETLINK_NETFILTER)
    try:
        sk.bind((0, 0))
        sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        sk.settimeout(10)

        def msg(seq, type_, flags, family, attrs, res_id=0):
            body = struct.pack("!BBH", family, 0, res_id) + attrs
            return struct.pack("=IHHII", 16 + len(body), type_, flags, seq,
                               0) + body
        data = msg(1, NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, b"",
                   NFNL_SUBSYS_NFTABLES)
        want = set()
        for i, (t, fl, attrs) in enumerate(msgs):
            data += msg(2 + i, (NFNL_SUBSYS_NFTABLES << 8) | t,
                        NLM_F_REQUEST | NLM_F_ACK | fl, NFPROTO_INET, attrs)
            want.add(2 + i)
        data += msg(2 + len(msgs), NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, b"",
                    NFNL_SUBSYS_NFTABLES)
        sk.send(data)
        while want:
            d = sk.recv(65536)
            off = 0
            while off + 16 <= len(d):
                ln, t, fl, sq, _ = struct.unpack_from("=IHHII", d, off)
                if t == NLMSG_ERROR:
                    err, emsg = Genl._error(fl, d[off + 16:off + ln])
                    if err:
                        fail("nftables batch in netns %s: message %d "
                             "failed: %s %s" % (ns, sq, os.strerror(-err),
                                                emsg))
                    want.discard(sq)
                off += (ln + 3) & ~3
    except socket.timeout:
        fail("nftables batch in netns %s: no ack" % ns)
    finally:
        sk.close()


def nft_drop_output(ns, on, table="mchost_drop"):
    """on: add an inet table whose OUTPUT chain (policy drop) drops every
    packet sent in netns ns, IPv4 and IPv6; off: delete that table."""
    name = nla(1, table.encode() + b"\0")        # NFTA_TABLE_NAME
    if not on:
        _nft_batch(ns, [(NFT_MSG_DELTABLE, 0, name)])
        return
    hook = nla_nest(4, nla(1, struct.pack("!I", NF_INET_LOCAL_OUT)),
                    nla(2, struct.pack("!i", 0)))   # HOOKNUM, PRIORITY
    chain = name + nla(3, b"out\0") + hook + \
        nla(5, struct.pack("!I", NF_DROP)) + nla(7, b"filter\0")
    _nft_batch(ns, [(NFT_MSG_NEWTABLE, NLM_F_CREATE, name),
                    (NFT_MSG_NEWCHAIN, NLM_F_CREATE, chain)])


def slab_active(names):
    """{cache: active objects} of /proc/slabinfo for the caches named
    (those the kernel has)."""
    out = {}
    with open("/proc/slabinfo") as f:
        for ln in f:
            t = ln.split()
            if t and t[0] in names:
                out[t[0]] = int(t[1])
    return out


if __name__ == "__main__" and len(sys.argv) >= 3 and sys.argv[1] == "flood":
    # Helper process: `mclib.py flood DEV GROUP4 GROUP6` sends a mix of
    # valid and malformed IGMP/MLD frames on DEV (in the current netns) in
    # bursts until killed, ignoring send errors (the device may vanish).
    dev, g4, g6 = sys.argv[2], sys.argv[3], sys.argv[4]
    ll = "fe80::1"
    frames = [
        frame4(ipv4("10.0.0.254", g4, igmp_v3_query(g4, ["10.1.1.1"]))),
        frame4(ipv4("10.0.0.7", g4, igmp_v12(0x16, 0, g4))),
        frame4(ipv4("10.0.0.7", "224.0.0.22",
                    igmp_v3_report([(2, g4, []), (1, g4, ["10.2.2.2"])]))),
        frame4(ipv4("10.0.0.254", g4, igmp_v3_query(g4, [], nsrc=5))),
        frame4(ipv4("10.0.0.254", g4, igmp_v3_query(g4), mf=True)),
        frame6(ipv6(ll, g6, 58, mld_v2_query(ll, g6, g6, ["2001:db8::1"]))),
        frame6(ipv6(ll, g6, 58, mld_v1(ll, g6, 131, g6))),
        frame6(ipv6(ll, "ff02::16", 58, mld_v2_report(
            ll, "ff02::16", [(2, g6, []), (1, g6, ["2001:db8::2"])]))),
        frame6(ipv6("2001:db8::9", g6, 58, mld_v2_query(
            "2001:db8::9", g6, g6))),
        frame6(ipv6(ll, g6, 58, mld_v2_query(ll, g6, g6, nsrc=3))),
    ]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((dev, 0))
    while True:
        for f in frames:
            try:
                s.send(f)
            except OSError:
                time.sleep(0.01)
        time.sleep(0.002)

