# SPDX-License-Identifier: GPL-2.0
"""mclib's base (see mclib.py): failures, processes, network namespaces,
the module, mchostctl, /proc and the counters."""

import contextlib
import ctypes
import difflib
import ipaddress
import json
import os
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
    return sorted(v, key=lambda r: (r.get("ifindex", 0), str(r.get("grp"))))


class Member:
    """One expected membership record."""

    def __init__(self, dev, group, mode, sources=(), owners=1, ifindex=None):
        self.dev, self.group, self.mode = dev, canon(group), mode
        self.sources = sort_sources(sources)
        self.owners, self.ifindex = owners, ifindex

    def show_line(self):
        """A line of `show`: join syntax (the owners are in `show -d`)."""
        s = "dev %s group %s mode %s" % (self.dev, self.group, self.mode)
        for src in self.sources:
            s += " source " + src
        return s

    def json(self):
        return {"ifindex": self.ifindex, "ifname": self.dev,
                "grp": self.group, "filter_mode": self.mode,
                "source_list": [{"address": s} for s in self.sources],
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
                     key=lambda r: (r["ifindex"], r["grp"]))
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
        js = [iface_flat(js[0])]
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


def iface_flat(js):
    """A `-j ifaces` object with the text's keys and values: ifname is
    dev, up 0 or 1, and the per-protocol objects igmp_* and mld_* fields."""
    check(isinstance(js.get("up"), bool), "-j ifaces: up not a boolean: %r"
          % (js,))
    flat = {}
    for k, v in js.items():
        if k in ("igmp", "mld"):
            check(isinstance(v, dict), "-j ifaces: %s not an object" % k)
            flat.update(("%s_%s" % (k, kk), vv) for kk, vv in v.items())
        else:
            flat["dev" if k == "ifname" else k] = int(v) if k == "up" else v
    return flat


def _iface_fields(dev, idx, up, mtu, groups4, groups6, igmpv=3, mldv=2):
    return dict(zip(IFACE_COLS.split(), (dev, idx, up, mtu, igmpv, mldv,
                                         groups4, groups6)))


def iface_json(*a, **kw):
    """A device as `mchostctl -j ifaces` shows it: ip -j's ifname, up a
    boolean (keys in output order)."""
    f = _iface_fields(*a, **kw)
    return {("ifname" if k == "dev" else k): (bool(v) if k == "up" else v)
            for k, v in f.items()}


def iface_line(*a, **kw):
    """The same as `mchostctl ifaces` prints it."""
    return " ".join("%s %s" % kv for kv in _iface_fields(*a, **kw).items())


def iface_proc_line(*a, **kw):
    """The first columns of its line in /proc/net/mchost/interfaces."""
    return " ".join(str(v) for v in _iface_fields(*a, **kw).values())


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
