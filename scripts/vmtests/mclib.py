# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the mchost VM integration tests (scripts/vmtests/t*.py).

The tests run inside the QEMU guest as root, started by scripts/vmtest.sh with
MCHOST_KO, MCHOSTCTL, MCHOST_KVER and MCHOST_ROOT in the environment. A test
passes by exiting 0; every failed check raises TestFail, which main() turns
into a clear message on stderr and exit status 1.

Network namespaces: the test process itself stays where it started (the init
netns) unless it enters one with `with in_netns(name):`; commands run in a
netns through run(..., ns=name), which enters it between fork and exec
(cheaper than `ip netns exec`, which also remounts /sys).

Packets: the raw builders below produce IPv4/IGMP and IPv6/MLD frames byte by
byte, so malformed variants (bad checksum, short, overrunning counts,
fragments, missing Router Alert, ...) are built with every other field
correct. Tests cross-check the valid ones against scapy's encoding.
"""

import contextlib
import ctypes
import difflib
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys
import time
import traceback

KO = os.environ.get("MCHOST_KO", "")
CTL = os.environ.get("MCHOSTCTL", "")
KVER = os.environ.get("MCHOST_KVER", "")
ROOT = os.environ.get("MCHOST_ROOT", "")

PROC = "/proc/net/mchost"
PARAMS = "/sys/module/mchost/parameters"

# The counter names of /proc/net/mchost/{igmp,mld}: the first nine in this
# exact order, then the drop/ignore reasons (in any order, more allowed).
COUNTERS_ORDERED = ["rcv_total", "rcv_tooshort", "rcv_badsum", "rcv_queries",
                    "rcv_badqueries", "rcv_reports", "rcv_badreports",
                    "rcv_ourreports", "snd_reports"]
COUNTERS_REASONS = ["rcv_fragments", "rcv_nomem", "rcv_unknown",
                    "rcv_badhoplimit", "rcv_badsrc", "rcv_nora"]

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


def step(msg):
    """Announce a group of checks (helps to find where a test failed)."""
    print("== %s  [%.1fs]" % (msg, time.monotonic() - _T0), flush=True)


_T0 = time.monotonic()


def _fmt(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v, indent=1, sort_keys=True)
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


def contains(haystack, needle, what):
    if needle not in haystack:
        fail("%s: expected %r in:\n%s" % (what, needle, haystack))


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

def _setns_preexec(ns):
    def fn():
        setns(ns)
    return fn


def run(cmd, ns=None, check=True, input=None, timeout=60, env=None):
    """Run cmd (list, or str for /bin/sh -c); return CompletedProcess (text).

    With check=True a nonzero exit fails the test with the output shown.
    """
    shell = isinstance(cmd, str)
    try:
        r = subprocess.run(cmd, shell=shell, capture_output=True, text=True,
                           input=input, timeout=timeout, env=env,
                           preexec_fn=_setns_preexec(ns) if ns else None)
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
    p = subprocess.Popen(cmd, preexec_fn=_setns_preexec(ns) if ns else None,
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


def sysctl(ns, key, value):
    with in_netns(ns):
        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
            f.write(str(value))


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


def dummy(name, ns=None, up=True):
    """A dummy device with IFF_MULTICAST set (dummy clears it by default)
    and no IPv6 link-local address (so its `ip maddr` list is stable)."""
    ip(["link", "add", name, "type", "dummy"], ns=ns)
    sysctl(ns, "net.ipv6.conf.%s.addr_gen_mode" % name, 1)
    ip(["link", "set", name, "multicast", "on"] + (["up"] if up else []),
       ns=ns)


def ifindex(dev, ns=None):
    r = ip(["-j", "link", "show", "dev", dev], ns=ns)
    return json.loads(r.stdout)[0]["ifindex"]


def link_mac(dev, ns=None):
    r = ip(["-j", "link", "show", "dev", dev], ns=ns)
    return json.loads(r.stdout)[0]["address"]


def maddr_links(dev, ns=None):
    """Link-layer multicast addresses of dev (from `ip maddr show dev`)."""
    r = ip(["maddr", "show", "dev", dev], ns=ns)
    macs = []
    for ln in r.stdout.splitlines():
        t = ln.split()
        if len(t) >= 2 and t[0] == "link":
            macs.append(t[1].lower())
    return macs


def maddr_inet(dev, ns=None):
    """Network-layer groups the *stock* stack joined on dev (ip maddr)."""
    r = ip(["maddr", "show", "dev", dev], ns=ns)
    out = set()
    for ln in r.stdout.splitlines():
        t = ln.split()
        if len(t) >= 2 and t[0] in ("inet", "inet6"):
            out.add(t[1])
    return out


def mcast_mac(group):
    """Link-layer address of an IPv4/IPv6 multicast group (RFC 1112/2464)."""
    a = ipaddress.ip_address(group)
    if a.version == 4:
        b = a.packed
        return "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7f, b[2], b[3])
    b = a.packed
    return "33:33:%02x:%02x:%02x:%02x" % (b[12], b[13], b[14], b[15])


def canon(addr):
    """Canonical text form of an address (what inet_ntop prints)."""
    return str(ipaddress.ip_address(addr))


def sort_sources(srcs):
    """Ascending byte (network) order, canonical text."""
    return [canon(s) for s in
            sorted(srcs, key=lambda s: ipaddress.ip_address(s).packed)]


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
    ends with "mchostctl").
    """
    if isinstance(args, str):
        args = args.split()
    pre = list(pre or [])
    if not (pre and pre[-1].endswith("mchostctl")):
        pre.append(CTL)
    cmd = pre + (["-j"] if json_out else []) + list(args)
    r = run(cmd, ns=ns, check=False, input=input, timeout=timeout)
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


def ctl_error(args, ns=None, substr=None, rc=1, pre=None, input=None):
    """Run a mchostctl command that must fail with exit rc and, for rc 1,
    'Error: ' + a message containing substr on stderr (nothing on stdout)."""
    r = ctl(args, ns=ns, check=False, pre=pre, input=input)
    a = " ".join(args) if isinstance(args, list) else args
    if r.returncode != rc:
        fail("mchostctl %s: expected exit %d, got %d\nstdout: %s\nstderr: %s"
             % (a, rc, r.returncode, r.stdout, r.stderr))
    if rc == 1:
        err = r.stderr.strip()
        check(err.startswith("Error: "),
              "mchostctl %s: stderr should start with 'Error: ', got %r"
              % (a, err))
        if substr is not None:
            check(substr in err,
                  "mchostctl %s: expected %r in the error, got %r"
                  % (a, substr, err))
        check(r.stdout == "",
              "mchostctl %s: failing command printed on stdout: %r"
              % (a, r.stdout))
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


def proc_interfaces(ns=None):
    """The first eight columns of each device's line (the protocol state
    columns after them change with time; see proc_iface_state)."""
    lines = proc_read("interfaces", ns).splitlines()
    check(lines, "%s/interfaces is empty (no header)" % PROC)
    eq(" ".join(lines[0].split()[:8]), IFACE_COLS,
       "%s/interfaces header" % PROC)
    return sorted(" ".join(ln.split()[:8]) for ln in lines[1:] if ln.strip())


def proc_iface_state(dev, ns=None):
    """Every column of dev's line in /proc/net/mchost/interfaces, by name."""
    lines = proc_read("interfaces", ns).splitlines()
    names = lines[0].split()
    for ln in lines[1:]:
        f = ln.split()
        if f and f[0] == dev:
            return {k: (v if k == "dev" else int(v)) for k, v in zip(names, f)}
    fail("%s not in %s/interfaces" % (dev, PROC))


def iface_line(dev, idx, up, mtu, groups4, groups6, igmpv=3, mldv=2):
    return ("dev %s ifindex %d up %d mtu %d igmp_version %d mld_version %d "
            "groups4 %d groups6 %d" % (dev, idx, up, mtu, igmpv, mldv,
                                       groups4, groups6))


def iface_json(dev, idx, up, mtu, groups4, groups6, igmpv=3, mldv=2):
    return {"dev": dev, "ifindex": idx, "up": up, "mtu": mtu,
            "igmp_version": igmpv, "mld_version": mldv,
            "groups4": groups4, "groups6": groups6}


def iface_proc_line(dev, idx, up, mtu, groups4, groups6, igmpv=3, mldv=2):
    return "%s %d %d %d %d %d %d %d" % (dev, idx, up, mtu, igmpv, mldv,
                                        groups4, groups6)


# -------------------------------------------------------------- counters

def read_counters(proto, ns=None):
    """/proc/net/mchost/{igmp,mld} as an ordered dict name -> int, with the
    format checked (name value lines, contract names present, order)."""
    text = proc_read(proto, ns)
    d = {}
    names = []
    for ln in text.splitlines():
        t = ln.split()
        if len(t) != 2 or not t[1].isdigit():
            fail("%s/%s: malformed line %r" % (PROC, proto, ln))
        if t[0] in d:
            fail("%s/%s: duplicate counter %r" % (PROC, proto, t[0]))
        d[t[0]] = int(t[1])
        names.append(t[0])
    eq(names[:len(COUNTERS_ORDERED)], COUNTERS_ORDERED,
       "%s/%s: first counters and their order" % (PROC, proto))
    missing = [n for n in COUNTERS_REASONS if n not in d]
    check(not missing, "%s/%s: counters missing: %s" % (PROC, proto, missing))
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


def ip4_bytes(a):
    return socket.inet_aton(a) if isinstance(a, str) else bytes(a)


def ip6_bytes(a):
    return socket.inet_pton(socket.AF_INET6, a) if isinstance(a, str) \
        else bytes(a)


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
                      ip4_bytes(src), ip4_bytes(dst)) + opts
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
    return igmp_msg(struct.pack("!BBH4s", type_, code, 0, ip4_bytes(group)),
                    bad_csum)


def igmp_v3_query(group="0.0.0.0", sources=(), mrc=100, s=0, qrv=2, qqic=125,
                  nsrc=None, bad_csum=False):
    """IGMPv3 query; nsrc overrides the source count (to overrun)."""
    n = len(sources) if nsrc is None else nsrc
    b = struct.pack("!BBH4sBBH", 0x11, mrc, 0, ip4_bytes(group),
                    (s << 3) | qrv, qqic, n)
    b += b"".join(ip4_bytes(x) for x in sources)
    return igmp_msg(b, bad_csum)


def igmp_v3_report(records, nrec=None, bad_csum=False):
    """IGMPv3 report; records: [(rtype, group, [sources]) or
    (rtype, group, [sources], nsrc_override)]."""
    body = b""
    for r in records:
        rtype, group, srcs = r[0], r[1], r[2]
        n = r[3] if len(r) > 3 else len(srcs)
        body += struct.pack("!BBH4s", rtype, 0, n, ip4_bytes(group))
        body += b"".join(ip4_bytes(x) for x in srcs)
    n = len(records) if nrec is None else nrec
    return igmp_msg(struct.pack("!BBHHH", 0x22, 0, 0, 0, n) + body, bad_csum)


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
                      ip6_bytes(src), ip6_bytes(dst))
    return hdr + ext + payload


def icmp6_msg(src, dst, body, bad_csum=False):
    """Fill in the ICMPv6 checksum (pseudo-header with src/dst)."""
    m = _set_csum(body, 2, 0) if len(body) >= 4 else body
    if len(m) >= 4:
        pseudo = ip6_bytes(src) + ip6_bytes(dst) + \
            struct.pack("!IxxxB", len(m), 58)
        c = csum(pseudo + m)
        if bad_csum:
            c = (c + 1) & 0xffff or 1
        m = _set_csum(m, 2, c)
    return m


def mld_v1(src, dst, type_, group="::", mrd=0, bad_csum=False):
    """24-byte MLDv1 message: query 130, report 131, done 132."""
    return icmp6_msg(src, dst, struct.pack("!BBHHH16s", type_, 0, 0, mrd, 0,
                                           ip6_bytes(group)), bad_csum)


def mld_v2_query(src, dst, group="::", sources=(), mrd=1000, s=0, qrv=2,
                 qqic=125, nsrc=None, bad_csum=False, trunc=None):
    """MLDv2 query (>= 28 bytes); nsrc overrides the count, trunc cuts the
    message to that many bytes before the checksum is computed."""
    n = len(sources) if nsrc is None else nsrc
    b = struct.pack("!BBHHH16sBBH", 130, 0, 0, mrd, 0, ip6_bytes(group),
                    (s << 3) | qrv, qqic, n)
    b += b"".join(ip6_bytes(x) for x in sources)
    if trunc is not None:
        b = b[:trunc]
    return icmp6_msg(src, dst, b, bad_csum)


def mld_v2_report(src, dst, records, nrec=None, bad_csum=False):
    """MLDv2 report; records: [(rtype, group, [sources]) or with a 4th
    element overriding the source count]."""
    body = b""
    for r in records:
        rtype, group, srcs = r[0], r[1], r[2]
        n = r[3] if len(r) > 3 else len(srcs)
        body += struct.pack("!BBH16s", rtype, 0, n, ip6_bytes(group))
        body += b"".join(ip6_bytes(x) for x in srcs)
    n = len(records) if nrec is None else nrec
    return icmp6_msg(src, dst, struct.pack("!BBHHH", 143, 0, 0, 0, n) + body,
                     bad_csum)


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
                                    ICMPv6MLQuery2, ICMPv6MLReport2,
                                    ICMPv6MLDMultAddrRec, ICMPv6MLQuery,
                                    ICMPv6MLReport)
    from scapy.contrib.igmp import IGMP
    from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq, IGMPv3mr, IGMPv3gr
    return dict(Ether=Ether, IP=IP,
                IPOption_Router_Alert=IPOption_Router_Alert,
                IPv6=IPv6, IPv6ExtHdrHopByHop=IPv6ExtHdrHopByHop,
                RouterAlert=RouterAlert, ICMPv6MLQuery2=ICMPv6MLQuery2,
                ICMPv6MLReport2=ICMPv6MLReport2,
                ICMPv6MLDMultAddrRec=ICMPv6MLDMultAddrRec,
                ICMPv6MLQuery=ICMPv6MLQuery, ICMPv6MLReport=ICMPv6MLReport,
                IGMP=IGMP, IGMPv3=IGMPv3, IGMPv3mq=IGMPv3mq,
                IGMPv3mr=IGMPv3mr, IGMPv3gr=IGMPv3gr)


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


def addr_bytes(a):
    return ipaddress.ip_address(a).packed if isinstance(a, str) else bytes(a)


def addr_text(b):
    return str(ipaddress.ip_address(bytes(b)))


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


# ------------------------------------- IGMP engine tests (t60-t80) helpers

ETH_P_ALL, ETH_P_IP = 0x0003, 0x0800
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
SO_TIMESTAMPNS = 35

# IGMPv3 group record types (RFC 9776 §4.2.12).
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6
REC_NAMES = {IS_IN: "IS_IN", IS_EX: "IS_EX", TO_IN: "TO_IN",
             TO_EX: "TO_EX", ALLOW: "ALLOW", BLOCK: "BLOCK"}


class IgmpPkt:
    """One captured IPv4 packet carrying IGMP, parsed from raw bytes.

    t (monotonic arrival time), src, dst, ttl, tos, ra (Router Alert option
    present), iplen, type, code, group (v1/v2 messages), records (IGMPv3
    reports: [(rtype, group, (sources...))] in packet order), errors (every
    malformation found: bad checksums, overrunning records, ...)."""

    def __init__(self, data, t=0.0):
        self.t, self.raw, self.errors = t, bytes(data), []
        self.records, self.group, self.type, self.code = [], None, None, None
        d = self.raw
        if len(d) < 20:
            self.errors.append("IP packet too short: %d bytes" % len(d))
            return
        ihl = (d[0] & 0xf) * 4
        self.iplen = struct.unpack("!H", d[2:4])[0]
        self.tos, self.ttl, self.proto = d[1], d[8], d[9]
        self.frag = struct.unpack("!H", d[6:8])[0]
        self.src = socket.inet_ntoa(d[12:16])
        self.dst = socket.inet_ntoa(d[16:20])
        if d[0] >> 4 != 4 or ihl < 20 or len(d) < ihl:
            self.errors.append("bad IPv4 version/IHL %#x" % d[0])
            return
        if csum(d[:ihl]) != 0:
            self.errors.append("bad IPv4 header checksum")
        if self.iplen != len(d):
            self.errors.append("IP total length %d != %d bytes received" %
                               (self.iplen, len(d)))
        self.ra = RA4 in _ip_options(d[20:ihl])
        if self.frag & 0x3fff:
            self.errors.append("IP fragment (frag field %#x)" % self.frag)
        p = d[ihl:self.iplen]
        self.igmplen = len(p)
        if len(p) < 8:
            self.errors.append("IGMP message too short: %d bytes" % len(p))
            return
        if csum(p) != 0:
            self.errors.append("bad IGMP checksum")
        self.type, self.code = p[0], p[1]
        if self.type in (0x11, 0x12, 0x16, 0x17):
            self.group = socket.inet_ntoa(p[4:8])
            if self.type != 0x11 and len(p) != 8:
                self.errors.append("v1/v2 message of %d bytes" % len(p))
            return
        if self.type != 0x22:
            return
        if p[1] or p[4:6] != b"\0\0":
            self.errors.append("IGMPv3 report: reserved fields not zero")
        nrec = struct.unpack("!H", p[6:8])[0]
        off = 8
        for i in range(nrec):
            if len(p) - off < 8:
                self.errors.append("record %d overruns the packet" % i)
                return
            rtype, aux, ns = struct.unpack("!BBH", p[off:off + 4])
            grp = socket.inet_ntoa(p[off + 4:off + 8])
            end = off + 8 + 4 * ns + 4 * aux
            if end > len(p):
                self.errors.append("record %d (%d sources) overruns the "
                                   "packet" % (i, ns))
                return
            if aux:
                self.errors.append("record %d has aux data" % i)
            if rtype not in REC_NAMES:
                self.errors.append("record %d: bad type %d" % (i, rtype))
            srcs = tuple(socket.inet_ntoa(p[off + 8 + 4 * j:off + 12 + 4 * j])
                         for j in range(ns))
            self.records.append((rtype, grp, srcs))
            off = end
        if off != len(p):
            self.errors.append("%d bytes after the last record" %
                               (len(p) - off))

    def kind(self):
        return {0x11: "query", 0x12: "v1", 0x16: "v2", 0x17: "leave",
                0x22: "v3"}.get(self.type, "type%s" % self.type)

    def __repr__(self):
        if self.type == 0x22:
            body = " ".join(rec_str(r) for r in self.records)
        else:
            body = "group %s" % self.group
        return "<%.3f %s>%s %s %s%s>" % (self.t, self.src, self.dst,
                                         self.kind(), body,
                                         " ERR %s" % self.errors
                                         if self.errors else "")


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
    """An expected record, as IgmpPkt.records holds it (sources sorted)."""
    return (rtype, group, tuple(sort_sources(sources)))


def norm_rec(r):
    """A record with its sources sorted (the wire order is free)."""
    return (r[0], r[1], tuple(sort_sources(r[2])))


def check_report_ip(p, src, what, dst=None):
    """The IPv4/IGMP framing every report of ours must have (RFC 9776 §4,
    RFC 2236 §2): well-formed, TTL 1, TOS 0xc0, Router Alert, our source,
    the right destination per message type."""
    if dst is None:
        dst = {0x22: "224.0.0.22", 0x17: "224.0.0.2"}.get(p.type, p.group)
    got = {"errors": p.errors, "ttl": p.ttl, "tos": p.tos, "ra": p.ra,
           "src": p.src, "dst": p.dst}
    eq(got, {"errors": [], "ttl": 1, "tos": 0xc0, "ra": True, "src": src,
             "dst": dst}, "%s: IP framing of %r" % (what, p))


class _Capture:
    """Capture frames arriving on dev (netns ns) with an AF_PACKET socket,
    in a background thread; each packet's t is the kernel's receive time on
    the time.monotonic() clock. Frames sent from this side are skipped.
    Subclasses say in _take() which frames they keep."""

    RCVBUF = 32 << 20

    def __init__(self, dev, ns=None):
        import threading
        with in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(ETH_P_ALL))
            self.sock.bind((dev, ETH_P_ALL))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE,
                                 self.RCVBUF)
        except OSError:
            pass
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.settimeout(0.1)
        self.lock = threading.Lock()
        self.pkts = []
        self.other = 0
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
            # The kernel's receive time (CLOCK_REALTIME) on the monotonic
            # clock: right even when this thread lags behind a burst.
            t = time.monotonic()
            for lvl, typ, val in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and \
                        len(val) >= 16:
                    sec, nsec = struct.unpack("@qq", val[:16])
                    t = sec + nsec / 1e9 - (time.time() - time.monotonic())
            if addr[2] != PACKET_OUTGOING:
                self._take(data, t)

    def _take(self, data, t):
        raise NotImplementedError

    def get(self, since=None, until=None, pred=None):
        """Packets that arrived in [since, until) (monotonic times)."""
        with self.lock:
            ps = list(self.pkts)
        return [p for p in ps if (since is None or p.t >= since) and
                (until is None or p.t < until) and (pred is None or pred(p))]

    def wait(self, fn, timeout, what, since=None):
        """Poll fn(packets since `since`) until it returns a true value."""
        return wait_for(lambda: fn(self.get(since)), timeout, what,
                        interval=0.02)

    def settle(self, quiet=0.3, timeout=60):
        """Wait until the thread has taken no frame for `quiet` seconds:
        it has caught up with a burst (packet times are the kernel's, but
        get() only returns what the thread has parsed)."""
        wait_for(lambda: time.monotonic() - self.last >= quiet, timeout,
                 "the capture to catch up", interval=0.05)

    def close(self):
        self.stop_ev.set()
        self.th.join(2)
        self.sock.close()


class IgmpCapture(_Capture):
    """The IPv4 IGMP packets arriving on dev; other IPv4 frames are only
    counted (other)."""

    RCVBUF = 16 << 20

    def _take(self, data, t):
        if len(data) < 34:
            return
        if struct.unpack("!H", data[12:14])[0] != ETH_P_IP or data[23] != 2:
            with self.lock:
                self.other += 1
            return
        p = IgmpPkt(data[14:], t)
        with self.lock:
            self.pkts.append(p)


def v3_records(pkts):
    """All IGMPv3 records of pkts, in arrival order, sources sorted."""
    return [norm_rec(r) for p in pkts if p.type == 0x22 for r in p.records]


def mdb_entries(ns, br="br0"):
    """`bridge -d -j mdb show dev BR` in netns ns, as a list of dicts."""
    r = run(["bridge", "-n", ns, "-d", "-j", "mdb", "show", "dev", br])
    try:
        data = json.loads(r.stdout or "[]")
    except ValueError:
        fail("bridge -j mdb show: not JSON: %r" % r.stdout[:500])
    out = []
    for blk in data:
        out.extend(blk.get("mdb", []))
    return out


def mdb_shape(entries, port, groups=None):
    """The mdb entries of one port as a set of tuples (group, source or
    None, filter_mode, source_list addresses sorted, flags sorted), timers
    left out; only IPv4 groups (and only those in `groups` if given)."""
    out = set()
    for e in entries:
        if e.get("port") != port or ":" in e.get("grp", ":"):
            continue
        if groups is not None and e["grp"] not in groups:
            continue
        out.add((e["grp"], e.get("src"), e.get("filter_mode"),
                 tuple(sort_sources(s["address"]
                                    for s in e.get("source_list", []))),
                 tuple(sorted(e.get("flags", [])))))
    return out


def mdb_expect(group, mode, sources=()):
    """The mdb entries a bridge (IGMPv3 snooping) holds for one port that
    is in state mode{sources} for group: a (*,G) entry with the filter mode
    and the source list, plus one (S,G) entry per source (blocked for
    EXCLUDE)."""
    srcs = tuple(sort_sources(sources))
    out = {(group, None, mode, srcs, ())}
    for s in srcs:
        out.add((group, s, "include", (), ("blocked",) if mode == "exclude"
                 else ()))
    return out


def write_param(name, value):
    with open(os.path.join(PARAMS, name), "w") as f:
        f.write(str(value))


# -------------------------------------- MLD engine tests (t90-t92) helpers

ETH_P_IPV6 = 0x86dd
MLD_QUERY, MLD_V1_REPORT, MLD_DONE, MLD_V2_REPORT = 130, 131, 132, 143
MLD_TYPES = (MLD_QUERY, MLD_V1_REPORT, MLD_DONE, MLD_V2_REPORT)

# socket options of level IPPROTO_IPV6 (and IPPROTO_IP): RFC 3678
MCAST_JOIN_GROUP, MCAST_BLOCK_SOURCE, MCAST_UNBLOCK_SOURCE = 42, 43, 44
MCAST_LEAVE_GROUP, MCAST_JOIN_SOURCE_GROUP = 45, 46
MCAST_LEAVE_SOURCE_GROUP = 47


def sockaddr_in6(addr):
    """struct sockaddr_storage holding an AF_INET6 address (128 bytes)."""
    return struct.pack("@HHI16sI", socket.AF_INET6, 0, 0, ip6_bytes(addr),
                       0) + b"\0" * 100


def group_req6(ifidx, group):
    """struct group_req (RFC 3678) for an IPv6 group."""
    return struct.pack("@I4x", ifidx) + sockaddr_in6(group)


def group_source_req6(ifidx, group, source):
    """struct group_source_req (RFC 3678) for an IPv6 group and source."""
    return struct.pack("@I4x", ifidx) + sockaddr_in6(group) + \
        sockaddr_in6(source)


class MldPkt:
    """One captured IPv6 packet carrying MLD, parsed from raw bytes.

    t (monotonic arrival time), src, dst, hlim, ext (extension headers in
    order, e.g. [0]), ra (the Router Alert value in the Hop-by-Hop header,
    None without one), frag (a Fragment header was present), type (ICMPv6
    type, None if the packet carries no ICMPv6), mldlen, group (MLDv1
    messages and queries), records (MLDv2 reports: [(rtype, group,
    (sources...))] in packet order), errors (every malformation found: bad
    checksum, overrunning records, payload length, ...)."""

    def __init__(self, data, t=0.0):
        self.t, self.raw, self.errors = t, bytes(data), []
        self.records, self.group, self.type = [], None, None
        self.ext, self.ra, self.frag, self.mldlen = [], None, False, 0
        self.src = self.dst = None
        self.hlim = None
        d = self.raw
        if len(d) < 40:
            self.errors.append("IPv6 packet too short: %d bytes" % len(d))
            return
        if d[0] >> 4 != 6:
            self.errors.append("not IPv6: version %d" % (d[0] >> 4))
            return
        plen = struct.unpack("!H", d[4:6])[0]
        nh, self.hlim = d[6], d[7]
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
                return
            self.ext.append(nh)
            if nh == 44:
                self.frag = True
                hlen = 8
            else:
                hlen = (d[off + 1] + 1) * 8
            if len(d) - off < hlen:
                self.errors.append("extension header %d overruns" % nh)
                return
            if nh == 0:
                if len(self.ext) != 1:
                    self.errors.append("Hop-by-Hop header not first")
                self._hbh(d[off + 2:off + hlen])
            nh = d[off]
            off += hlen
        if nh != 58:
            return
        p = d[off:]
        self.mldlen = len(p)
        if len(p) < 4:
            self.errors.append("ICMPv6 message too short: %d bytes" % len(p))
            return
        self.type = p[0]
        pseudo = d[8:40] + struct.pack("!IxxxB", len(p), 58)
        if csum(pseudo + p) != 0:
            self.errors.append("bad ICMPv6 checksum")
        if self.type in (MLD_QUERY, MLD_V1_REPORT, MLD_DONE):
            if len(p) < 24:
                self.errors.append("MLD message of %d bytes" % len(p))
                return
            self.group = socket.inet_ntop(socket.AF_INET6, p[8:24])
            if self.type != MLD_QUERY and len(p) != 24:
                self.errors.append("MLDv1 message of %d bytes" % len(p))
            if self.type != MLD_QUERY and (p[1] or p[4:8] != b"\0" * 4):
                self.errors.append("MLDv1 message: code/max delay/reserved "
                                   "not zero")
            return
        if self.type != MLD_V2_REPORT:
            return
        if len(p) < 8:
            self.errors.append("MLDv2 report of %d bytes" % len(p))
            return
        if p[1] or p[4:6] != b"\0\0":
            self.errors.append("MLDv2 report: reserved fields not zero")
        nrec = struct.unpack("!H", p[6:8])[0]
        o = 8
        for i in range(nrec):
            if len(p) - o < 20:
                self.errors.append("record %d overruns the packet" % i)
                return
            rtype, aux, ns = struct.unpack("!BBH", p[o:o + 4])
            grp = socket.inet_ntop(socket.AF_INET6, p[o + 4:o + 20])
            end = o + 20 + 16 * ns + 4 * aux
            if end > len(p):
                self.errors.append("record %d (%d sources) overruns the "
                                   "packet" % (i, ns))
                return
            if aux:
                self.errors.append("record %d has aux data" % i)
            if rtype not in REC_NAMES:
                self.errors.append("record %d: bad type %d" % (i, rtype))
            srcs = tuple(socket.inet_ntop(socket.AF_INET6,
                                          p[o + 20 + 16 * j:o + 36 + 16 * j])
                         for j in range(ns))
            self.records.append((rtype, grp, srcs))
            o = end
        if o != len(p):
            self.errors.append("%d bytes after the last record" %
                               (len(p) - o))

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
                if opts[i + 1] != 2:
                    self.errors.append("Router Alert of length %d" %
                                       opts[i + 1])
                elif self.ra is not None:
                    self.errors.append("two Router Alert options")
                else:
                    self.ra = struct.unpack("!H", opts[i + 2:i + 4])[0]
            elif opts[i] != 1:
                self.errors.append("unexpected Hop-by-Hop option %d" %
                                   opts[i])
            i += 2 + opts[i + 1]

    def kind(self):
        return {MLD_QUERY: "query", MLD_V1_REPORT: "v1", MLD_DONE: "done",
                MLD_V2_REPORT: "v2"}.get(self.type, "type%s" % self.type)

    def __repr__(self):
        if self.type == MLD_V2_REPORT:
            body = " ".join(rec_str(r) for r in self.records)
        else:
            body = "group %s" % self.group
        return "<%.3f %s>%s hlim %s %s %s%s>" % (
            self.t, self.src, self.dst, self.hlim, self.kind(), body,
            " ERR %s" % self.errors if self.errors else "")


def check_report_ip6(p, src, what, dst=None):
    """The IPv6/MLD framing every report of ours must have (RFC 9777 §5,
    RFC 2710 §3): well-formed, hop limit 1, a Hop-by-Hop header (first and
    only) with Router Alert value 0, our link-local source, the right
    destination per message type."""
    if dst is None:
        dst = {MLD_V2_REPORT: "ff02::16", MLD_DONE: "ff02::2"}.get(
            p.type, p.group)
    got = {"errors": p.errors, "hlim": p.hlim, "ext": p.ext, "ra": p.ra,
           "src": p.src, "dst": p.dst}
    eq(got, {"errors": [], "hlim": 1, "ext": [0], "ra": 0,
             "src": canon(src), "dst": canon(dst)},
       "%s: IPv6 framing of %r" % (what, p))


class MldCapture(_Capture):
    """The MLD messages (ICMPv6 130/131/132/143 after any extension
    headers) arriving on dev; other IPv6 packets are only counted
    (other)."""

    def _take(self, data, t):
        if len(data) < 54 or \
                struct.unpack("!H", data[12:14])[0] != ETH_P_IPV6:
            return
        p = MldPkt(data[14:], t)
        with self.lock:
            if p.type in MLD_TYPES:
                self.pkts.append(p)
            else:
                self.other += 1


def mld_records(pkts):
    """All MLDv2 records of pkts, in arrival order, sources sorted and
    addresses canonical."""
    return [(r[0], canon(r[1]), tuple(sort_sources(r[2])))
            for p in pkts if p.type == MLD_V2_REPORT for r in p.records]


def rec6(rtype, group, sources=()):
    """An expected MLDv2 record, as mld_records() returns it."""
    return (rtype, canon(group), tuple(sort_sources(sources)))


def mdb_shape6(entries, port, groups=None):
    """mdb_shape() for IPv6 groups: the mdb entries of one port as a set of
    (group, source or None, filter_mode, source_list sorted, flags sorted),
    addresses canonical, timers left out; only the groups in `groups` if
    given."""
    want = None if groups is None else {canon(g) for g in groups}
    out = set()
    for e in entries:
        if e.get("port") != port or ":" not in e.get("grp", ""):
            continue
        g = canon(e["grp"])
        if want is not None and g not in want:
            continue
        src = e.get("src")
        out.add((g, canon(src) if src else None, e.get("filter_mode"),
                 tuple(sort_sources(s["address"]
                                    for s in e.get("source_list", []))),
                 tuple(sorted(e.get("flags", [])))))
    return out


def mld_version(dev, ns=None):
    """mld_version of dev in /proc/net/mchost/interfaces."""
    for ln in proc_interfaces(ns):
        t = ln.split()
        if t[0] == dev:
            return int(t[5])
    fail("%s not in %s/interfaces" % (dev, PROC))
