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

# The helpers live in three files, each under 800 lines: mcbase.py (above
# the packets), mcpkt.py (packets and capture) and this one (the bridge
# querier, timer firings, stock sockets, the raw generic netlink client).
# Every name of the three is an attribute of this module.

import json
import os
import re
import socket
import struct
import sys
import time

import mcbase
import mcpkt
from mcbase import (KO, PARAMS, ROOT, addr_bytes, canon, check, eq, fail,
                    in_netns, ip, read_counters, run, sort_sources)
from mcpkt import (IGMP, fam_of, frame4, frame6, igmp_v12, igmp_v3_query,
                   igmp_v3_report, ipv4, ipv6, mld_v1, mld_v2_query,
                   mld_v2_report)


def __getattr__(name):
    """m.NAME and `from mclib import NAME` for the names of mcbase/mcpkt."""
    for mod in (mcbase, mcpkt):
        if hasattr(mod, name):
            return getattr(mod, name)
    raise AttributeError("module 'mclib' has no attribute %r" % name)


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


def mount_tracefs():
    """tracefs at TRACEFS, mounted if it is not yet."""
    if not os.path.isdir(TRACEFS + "/events"):
        run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=False)


class TimerCount:
    """tracefs hist triggers on the timer events: hits per timer function."""

    def __init__(self):
        mount_tracefs()
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


def trace_lines(inst, line_re):
    """The matches of line_re, one per line of the trace buffer of tracefs
    instance directory inst, oldest first; fails if the buffer lost any
    event or holds a line that does not match."""
    with open(inst + "/trace") as f:
        text = f.read()
    hdr = re.search(r"entries-in-buffer/entries-written: (\d+)/(\d+)", text)
    check(hdr and hdr.group(1) == hdr.group(2),
          "%s lost events: %s" % (inst, hdr and hdr.group(0)))
    out = []
    for ln in text.splitlines():
        if ln.startswith("#"):
            continue
        mt = line_re.search(ln)
        check(mt, "a trace line of another event in %s: %r" % (inst, ln))
        out.append(mt)
    return out


class SendErrors:
    """The mchost:send_error events, in a tracefs instance of their own
    (the global buffer holds the boot's timer events). Needs mchost
    loaded."""

    LINE = re.compile(r"\ssend_error: ifindex=\d+ ifname=(\S*) "
                      r"family=(\w+) err=(-?\d+)$")

    def __init__(self, name):
        mount_tracefs()
        self.dir = "%s/instances/%s" % (TRACEFS, name)
        if os.path.isdir(self.dir):        # left by a failed run
            os.rmdir(self.dir)
        os.mkdir(self.dir)
        self._enable("1")

    def _enable(self, on):
        with open(self.dir + "/events/mchost/send_error/enable", "w") as f:
            f.write(on)

    def lines(self):
        """[(ifname, family, err)], oldest first."""
        return [(mt.group(1), mt.group(2), int(mt.group(3)))
                for mt in trace_lines(self.dir, self.LINE)]

    def close(self):
        self._enable("0")
        os.rmdir(self.dir)


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

# The family's numbers, read from its YNL spec by the kernel's own YNL
# library (tools/net/ynl of linux-source-6.12: MCHOST_YNL, set by vmtest.sh),
# not copied by hand; include/uapi/linux/mchost.h is generated from the same
# spec (make check: scripts/ynl.sh check, which also validates the spec).
YNL_DIR = os.environ.get("MCHOST_YNL") or \
    "/var/cache/mchost/src/linux-source-6.12/tools/net/ynl"
SPEC = os.path.join(ROOT or os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."),
    "Documentation/netlink/specs/mchost.yaml")
if not os.path.isdir(os.path.join(YNL_DIR, "lib")):
    sys.exit("mclib: no YNL library in %s (MCHOST_YNL): unpack "
             "linux-source-6.12 with scripts/kunit.sh --unpack-only" % YNL_DIR)
sys.path.insert(0, YNL_DIR)
from lib import NlError, SpecFamily, YnlFamily  # noqa: E402
import lib.ynl as _ynl_lib  # noqa: E402

SPEC_FAMILY = SpecFamily(SPEC, schema_path="")
_OPS = {n: o.value for n, o in SPEC_FAMILY.msgs.items()}
_A = {n: a.value for n, a in SPEC_FAMILY.attr_sets["mchost"].attrs.items()}
C_PAD = SPEC_FAMILY.attr_sets["counter"].attrs["pad"].value
(MCHOST_CMD_JOIN, MCHOST_CMD_LEAVE, MCHOST_CMD_GET_GROUP,
 MCHOST_CMD_GET_IFACE, MCHOST_CMD_SET_IFACE, MCHOST_CMD_GET_STATS) = (
    _OPS[n] for n in ("join", "leave", "get-group", "get-iface", "set-iface",
                      "get-stats"))
MCHOST_FMODE_INCLUDE, MCHOST_FMODE_EXCLUDE = (
    SPEC_FAMILY.consts["fmode"].entries[n].value
    for n in ("include", "exclude"))
MCHOST_SET_DEFAULT = SPEC_FAMILY.consts["set-default"]["value"]
(A_IFINDEX, A_IFNAME, A_GROUP, A_FMODE, A_SOURCES, A_SOURCE, A_PERSISTENT,
 A_OWNERS, A_IGMP_VERSION, A_MLD_VERSION, A_NGROUPS4, A_NGROUPS6, A_MTU,
 A_UP, A_SET_IGMP_VERSION, A_SET_MLD_VERSION, A_SET_ROBUSTNESS,
 A_SET_REPORT_LINK_LOCAL, A_IGMP_STATS, A_MLD_STATS, A_PENDING) = (
    _A[n] for n in (
        "ifindex", "ifname", "group", "fmode", "sources", "source",
        "persistent", "owners", "igmp-version", "mld-version", "ngroups4",
        "ngroups6", "mtu", "up", "set-igmp-version", "set-mld-version",
        "set-robustness", "set-report-link-local", "igmp-stats",
        "mld-stats", "pending"))
A_MEMBERSHIP, A_FAILED = _A["membership"], _A["failed"]
A_MAX = max(_A.values())                # MCHOST_A_MAX
_F = {n: a.value for n, a in SPEC_FAMILY.attr_sets["failure"].attrs.items()}
F_INDEX, F_ERROR, F_MESSAGE = _F["index"], _F["error"], _F["message"]
MCHOST_BATCH_MAX = SPEC_FAMILY.consts["batch-max"]["value"]


def ynl(ns=None):
    """A YnlFamily of the spec, its socket in netns ns. The library keeps
    the family ids it looked up for the process: forgotten first, as an
    insmod gives the family a new id."""
    _ynl_lib.genl_family_name_to_id = None
    with in_netns(ns):
        return YnlFamily(SPEC, schema="")


def ynl_result(fn, *args):
    """A YNL request's outcome as Genl.do's: (0, "") or (-errno, extack
    message)."""
    try:
        fn(*args)
    except NlError as e:
        return -e.error, e.nl_msg.extack.get("msg", "")
    return 0, ""


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
        self.ns, self._ynl = ns, None
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

    @property
    def ynl(self):
        """The family through YNL (ynl()), in the same netns."""
        if self._ynl is None:
            self._ynl = ynl(self.ns)
        return self._ynl

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


def genl_stats(g, ns=None, ifidx=None):
    """GET_STATS (of ifidx, or all) through YNL (g.ynl): [{"ifindex",
    "ifname", "igmp", "mld"}], one per message, in dump order; the counters
    named as in /proc/net/mchost (checked: the spec's, in order)."""
    names = {p: list(read_counters(p, ns)) for p in ("igmp", "mld")}
    # YNL keeps the last of a repeated attribute: the layout is checked on
    # the raw messages (each attribute once, each counter once, in order,
    # a u64), the values read through YNL.
    raw = g.dump(MCHOST_CMD_GET_STATS,
                 *([nla_u32(A_IFINDEX, ifidx)] if ifidx else []))
    for msg in raw:
        eq(sorted(t for t, _ in msg), sorted([A_IFINDEX, A_IFNAME,
                                               A_IGMP_STATS, A_MLD_STATS]),
           "the attributes of a GET_STATS message, each once")
        for t, v in msg:
            if t not in (A_IGMP_STATS, A_MLD_STATS):
                continue
            ctrs = [(ct, len(cv)) for ct, cv in nla_parse(v) if ct != C_PAD]
            types = [ct for ct, _ in ctrs]
            eq(types, sorted(set(types)), "counter types: each once, in "
               "order")
            eq({n for _, n in ctrs}, {8}, "counter sizes (u64)")
    out = []
    for msg in g.ynl.dump("get-stats", {"ifindex": ifidx} if ifidx else {}):
        eq(sorted(msg), ["ifindex", "ifname", "igmp-stats", "mld-stats"],
           "the attributes of a GET_STATS message")
        d = {"ifindex": msg["ifindex"], "ifname": msg["ifname"]}
        for p in ("igmp", "mld"):
            c = {n.replace("-", "_"): v for n, v in msg[p + "-stats"].items()}
            eq(list(c), names[p], "the counters of %s's %s nest, in order"
               % (msg["ifname"], p))
            d[p] = c
        out.append(d)
    eq([d["ifindex"] for d in out],
       [struct.unpack("=I", dict(msg)[A_IFINDEX])[0] for msg in raw],
       "the devices of the raw and the YNL GET_STATS dumps")
    return out


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

