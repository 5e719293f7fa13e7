#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t97-genl-fuzz: random and malformed JOIN, LEAVE and dump requests to the
mchost generic netlink family, as root and as an unprivileged user.

Each request is raw bytes: random attributes (valid, unknown, output-only,
duplicated, wrong lengths, nested or not, with junk inside the SOURCES
nest), random flags, then sometimes cut, bit-flipped or extended, and
sometimes a broken netlink or genetlink header. A Python mirror of the
kernel's strict attribute validation and of mchost's own checks predicts
each outcome:

  - a policy violation: an error (EINVAL / ERANGE) with an extack message;
  - one of mchost's own checks: its exact errno and message;
  - a netlink / genetlink header fault: the core's exact errno (no reply
    for a message the netlink core drops);
  - a valid JOIN or LEAVE: success, applied to a model of the owners
    (persistent and two sockets) merged per RFC 9776 §3.2 with
    max_sources=4;
  - a valid dump: exactly the model's memberships (or interfaces).
Devices are named by IFINDEX, by IFNAME (valid names, names of no
device, invalid ones, and random bytes), or both. PENDING is never sent:
its waiting memberships would need a model of their own (dumps without
IFINDEX, devices appearing); t50 and t95 cover them. Without PENDING a
persistent LEAVE by name finds nothing waiting, as the model assumes.
Unprivileged (uid 65534, no capabilities): every JOIN and LEAVE is EPERM,
dumps answer as for root. Every few hundred requests, and at the end,
`show`, `-d show`, `-j show` and /proc/net/mchost/groups equal the model;
closing the sockets drops exactly their memberships. Then the counters'
invariant, rmmod, no kernel report, no taint.

MCHOST_SEED sets the seed (printed), MCHOST_FUZZ_N the root requests.
"""
import errno
import json
import os
import random
import re
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, eq, ip, log, step

NS = "f"
MAX_SOURCES = 4
N_ROOT = int(os.environ.get("MCHOST_FUZZ_N", "20000"))
N_UNPRIV = N_ROOT // 4
CHECK_EVERY = 1000
UNPRIV = ["setpriv", "--reuid", "65534", "--regid", "65534",
          "--clear-groups"]

JOIN, LEAVE, GET_GROUP, GET_IFACE = (m.MCHOST_CMD_JOIN, m.MCHOST_CMD_LEAVE,
                                     m.MCHOST_CMD_GET_GROUP,
                                     m.MCHOST_CMD_GET_IFACE)
GET_STATS = m.MCHOST_CMD_GET_STATS
DUMPS = (GET_GROUP, GET_IFACE, GET_STATS)
A_MAX = m.A_MAX
NESTED = m.NLA_F_NESTED
INCL, EXCL = m.MCHOST_FMODE_INCLUDE, m.MCHOST_FMODE_EXCLUDE
NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC = 0x100, 0x200, 0x400

# The family's policy (module/genl.c): type -> (kind, arg).
POLICY = {m.A_IFINDEX: ("u32", 1), m.A_GROUP: ("binary", 16),
          m.A_FMODE: ("u8", (1, 2)), m.A_SOURCES: ("nested", None),
          m.A_PERSISTENT: ("flag", None),
          m.A_IFNAME: ("nulstr", 15), m.A_PENDING: ("flag", None),
          # a batch JOIN's entry: parsed with POLICY on its own (Model.batch)
          m.A_MEMBERSHIP: ("nested_any", None),
          # SET_IFACE's: any u8 passes the policy (genl.c checks ranges)
          m.A_SET_IGMP_VERSION: ("u8", (0, 255)),
          m.A_SET_MLD_VERSION: ("u8", (0, 255)),
          m.A_SET_ROBUSTNESS: ("u8", (0, 255)),
          m.A_SET_REPORT_LINK_LOCAL: ("u8", (0, 255))}
for _t in range(1, A_MAX + 1):
    POLICY.setdefault(_t, ("reject", None))
SRC_POLICY = {m.A_SOURCE: ("binary", 16)}      # others: NLA_UNSPEC


class Policy(Exception):
    """The request fails the strict attribute validation."""


class Reply(Exception):
    """The predicted outcome of a request: errno (0: success), the extack
    message mchost sets (None: any or none; "": any non-empty)."""

    def __init__(self, err, msg=None):
        super().__init__(err, msg)
        self.err, self.msg = err, msg


# ------------------------------------------------ the kernel's checks, mirrored

def nl_validate(data, policy, maxtype):
    """Strict nla parse (lib/nlattr.c, NL_VALIDATE_STRICT): {type: (raw
    type, payload)}, the last of each type; Policy on any violation."""
    tb, off, rem = {}, 0, len(data)
    while rem >= 4:
        ln, t = struct.unpack_from("=HH", data, off)
        if ln < 4 or ln > rem:
            break
        typ = t & 0x3fff
        pl = data[off + 4:off + ln]
        if typ == 0 or typ > maxtype:
            raise Policy("unknown attribute type %d" % typ)
        kind, arg = policy.get(typ, ("unspec", None))
        fixed = {"u32": 4, "u8": 1}.get(kind)
        if fixed and len(pl) != fixed:
            raise Policy("attribute %d of %d bytes" % (typ, len(pl)))
        nest = kind in ("nested", "nested_any")
        if nest and not t & NESTED:
            raise Policy("NLA_F_NESTED missing")
        if not nest and t & NESTED:
            raise Policy("NLA_F_NESTED not expected")
        if kind in ("reject", "unspec"):
            raise Policy("attribute %d rejected" % typ)
        if kind == "flag" and pl:
            raise Policy("flag with payload")
        if kind == "nulstr":
            # NLA_NUL_STRING with len: a NUL within len + 1 bytes, and
            # at most len bytes before a trailing NUL.
            if b"\0" not in pl[:arg + 1]:
                raise Policy("string without its NUL")
            if len(pl) - (pl[-1:] == b"\0") > arg:
                raise Policy("string too long")
        if kind == "binary" and len(pl) > arg:
            raise Policy("binary too long")
        if nest and pl:
            if len(pl) < 4:
                raise Policy("nest shorter than an attribute")
            if kind == "nested":
                nl_validate(pl, SRC_POLICY, A_MAX)
        if kind == "u32" and struct.unpack("=I", pl)[0] < arg:
            raise Policy("u32 below its minimum")
        if kind == "u8" and not arg[0] <= pl[0] <= arg[1]:
            raise Policy("u8 out of range")
        tb[typ] = (t, pl)
        al = (ln + 3) & ~3
        off += al
        rem -= al
    if rem > 0:
        raise Policy("bytes left over")
    return tb


def raw_attrs(data, typ):
    """The payloads of every attribute of type typ in data (validated), in
    order."""
    out, off = [], 0
    while off + 4 <= len(data):
        ln, t = struct.unpack_from("=HH", data, off)
        if ln < 4 or off + ln > len(data):
            break
        if t & 0x3fff == typ:
            out.append(data[off + 4:off + ln])
        off += (ln + 3) & ~3
    return out


def nested_list(pl):
    """The attributes of a validated nest, in order."""
    out, off = [], 0
    while len(pl) - off >= 4:
        ln, t = struct.unpack_from("=HH", pl, off)
        out.append((t & 0x3fff, pl[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


def v4_unicast(b):
    """Neither multicast, nor 0.0.0.0 (ipv4_is_zeronet() is only that),
    nor the limited broadcast."""
    return not (b[0] & 0xf0 == 0xe0 or b == bytes(4) or b == b"\xff" * 4)


def missing(what, t):
    """GENL_REQ_ATTR_CHECK() also names the attribute (6.1 may not)."""
    name = {m.A_IFINDEX: "IFINDEX", m.A_GROUP: "GROUP"}[t]
    msg = "missing %s (MCHOST_A_%s)" % (what, name)
    return (msg + " [missing attribute %d]" % t, msg)


# The kernel's isspace(): also 0xa0 (lib/ctype.c).
SPACE = b"\t\n\v\f\r \xa0"


def ifname(tb):
    """IFNAME as the kernel reads it (up to its NUL), or None."""
    return tb[m.A_IFNAME][1].split(b"\0")[0] if m.A_IFNAME in tb else None


def dev_valid_name(n):
    """net/core/dev.c dev_valid_name(), the policy capped the length."""
    return n not in (b"", b".", b"..") and \
        not any(c in b"/:" or c in SPACE for c in n)


def check_group(tb):
    # mchost_genl_target(): PENDING is never generated (see above).
    name = ifname(tb)
    if name is not None and not dev_valid_name(name):
        raise Reply(-errno.EINVAL, "invalid device name")
    if name is None and m.A_IFINDEX not in tb:
        raise Reply(-errno.EINVAL, missing("device", m.A_IFINDEX))
    if m.A_GROUP not in tb:
        raise Reply(-errno.EINVAL, missing("group", m.A_GROUP))
    g = tb[m.A_GROUP][1]
    if len(g) not in (4, 16):
        raise Reply(-errno.EINVAL,
                    "group must be a 4-byte IPv4 or 16-byte IPv6 address")
    if len(g) == 4:
        if g[0] & 0xf0 != 0xe0:
            raise Reply(-errno.EINVAL, "group is not a multicast address")
        if g == bytes([224, 0, 0, 1]):
            raise Reply(-errno.EINVAL, "the all-hosts group (224.0.0.1) "
                        "cannot be joined")
        return g
    if g[0] != 0xff:
        raise Reply(-errno.EINVAL, "group is not a multicast address")
    if g[1] & 0xf <= 1:
        raise Reply(-errno.EINVAL,
                    "IPv6 groups of scope 0 or 1 cannot be joined")
    if g == m.addr_bytes("ff02::1"):
        raise Reply(-errno.EINVAL,
                    "the all-hosts group (ff02::1) cannot be joined")
    return g


def check_sources(tb, g):
    if m.A_SOURCES not in tb:
        return ()
    srcs = nested_list(tb[m.A_SOURCES][1])
    if len(srcs) > MAX_SOURCES:
        raise Reply(-errno.E2BIG, "too many sources (more than max_sources)")
    for _, s in srcs:
        if len(s) not in (4, 16):
            raise Reply(-errno.EINVAL, "source must be a 4-byte IPv4 or "
                        "16-byte IPv6 address")
        if len(s) != len(g):
            raise Reply(-errno.EINVAL,
                        "source address family differs from the group's")
        if not (v4_unicast(s) if len(s) == 4 else
                s[0] != 0xff and s != bytes(16)):
            raise Reply(-errno.EINVAL, "source is not a unicast address")
    if len({s for _, s in srcs}) != len(srcs):
        raise Reply(-errno.EINVAL, "duplicate source address")
    return tuple(s for _, s in srcs)


def merge(filters):
    """RFC 9776 §3.2: (mode, frozenset) of the owners' filters."""
    ex = [s for md, s in filters if md == EXCL]
    inc = frozenset().union(*[s for md, s in filters if md == INCL])
    if ex:
        return EXCL, frozenset.intersection(*ex) - inc
    return INCL, inc


class Model:
    """Owners' filters per (ifindex, group bytes): {owner: (mode, set)};
    owner "P" is the persistent one, 0 and 1 the two root sockets."""

    def __init__(self, devs):
        self.devs = devs                # {ifindex: name}, joinable
        self.state = {}

    def merged(self, key, owners=None, join=False):
        """The kernel's merged filter. A join past max_sources is refused;
        an owner that goes never is: past it, the group takes any
        source (EXCLUDE {})."""
        fs = list((owners if owners is not None else self.state[key])
                  .values())
        md, s = merge(fs)
        if len(s) > MAX_SOURCES:
            if join:
                raise Reply(-errno.E2BIG, "merged source list of the group "
                            "exceeds max_sources")
            return EXCL, frozenset()
        return md, s

    def do(self, cmd, tb, owner, lo):
        """Predict a JOIN or LEAVE that passed the policy; apply it if it
        succeeds. Raises Reply."""
        g = check_group(tb)
        mode, srcs = EXCL, ()
        if cmd == JOIN:
            if m.A_FMODE in tb:
                mode = tb[m.A_FMODE][1][0]
            srcs = check_sources(tb, g)
            if mode == INCL and not srcs:
                raise Reply(-errno.EINVAL, "INCLUDE with no sources is a "
                            "leave, use LEAVE")
        # mchost_genl_target_dev(): by index (the name must agree), or by
        # name alone.
        name = ifname(tb)
        names = dict((v.encode(), k) for k, v in self.devs.items())
        names[b"lo"] = lo
        if m.A_IFINDEX in tb:
            idx = struct.unpack("=I", tb[m.A_IFINDEX][1])[0]
            known = idx in self.devs or idx == lo
            if known and name is not None and names.get(name) != idx:
                raise Reply(-errno.EINVAL, "MCHOST_A_IFNAME is not the name "
                            "of device MCHOST_A_IFINDEX")
        else:
            idx = names.get(name, 0)
        if idx == lo:
            raise Reply(-errno.EOPNOTSUPP, "memberships on a loopback "
                        "device are meaningless")
        if idx not in self.devs:
            raise Reply(-errno.ENODEV, "unknown device")
        key = (idx, g)
        owners = dict(self.state.get(key, {}))
        if cmd == JOIN:
            owners[owner] = (mode, frozenset(srcs))
        elif owner not in owners:
            raise Reply(-errno.ENOENT, "no such membership")
        else:
            del owners[owner]
        if owners:
            self.merged(key, owners, join=cmd == JOIN)
            self.state[key] = owners
        else:
            self.state.pop(key, None)
        raise Reply(0)

    def batch(self, attrs, tb, owner, lo):
        """Predict a batch JOIN (MCHOST_A_MEMBERSHIP entries), applying the
        entries that succeed: Reply(0) with .failed [(index, errno(s),
        message)], or the whole request's error."""
        top = (m.A_IFINDEX, m.A_IFNAME, m.A_GROUP, m.A_FMODE, m.A_SOURCES,
               m.A_PERSISTENT, m.A_PENDING)
        if any(t in tb for t in top):
            return Reply(-errno.EINVAL, "a batch JOIN has its memberships in "
                         "MCHOST_A_MEMBERSHIP only")
        failed = []
        for i, e in enumerate(raw_attrs(attrs, m.A_MEMBERSHIP)):
            try:
                etb = nl_validate(e, POLICY, A_MAX)
                if m.A_MEMBERSHIP in etb:
                    raise Reply(-errno.EINVAL,
                                "MCHOST_A_MEMBERSHIP does not nest")
                self.do(JOIN, etb, "P" if m.A_PERSISTENT in etb else owner,
                        lo)
            except Policy:
                failed.append((i, (-errno.EINVAL, -errno.ERANGE), ""))
            except Reply as rep:
                if rep.err:
                    failed.append((i, rep.err, rep.msg))
        rep = Reply(0)
        rep.failed = failed
        return rep

    def drop_owner(self, owner):
        for key in list(self.state):
            self.state[key].pop(owner, None)
            if not self.state[key]:
                del self.state[key]

    def rows(self, ifindex=0, persistent=False):
        """(ifindex, dev, group text, mode, sorted sources, owners); with
        persistent, the persistent owner's filter, of its groups only."""
        out = []
        for (idx, g), owners in self.state.items():
            if ifindex and idx != ifindex:
                continue
            if persistent and "P" not in owners:
                continue
            md, s = owners["P"] if persistent else self.merged((idx, g))
            af = socket.AF_INET if len(g) == 4 else socket.AF_INET6
            out.append((idx, self.devs[idx], socket.inet_ntop(af, g), md,
                        [socket.inet_ntop(af, x) for x in sorted(s)],
                        len(owners)))
        return sorted(out)


# ------------------------------------------------------- the generator

GROUPS = ["239.1.1.1", "239.1.1.2", "232.1.1.1", "224.0.0.251",
          "ff0e::1", "ff0e::2", "ff05::1:3", "ff02::fb"]
BAD_GROUPS = ["224.0.0.1", "10.0.0.1", "0.0.0.0", "255.255.255.255",
              "ff02::1", "ff01::1", "ff00::5", "2001:db8::1", "::", "fe80::1"]
SOURCES4 = ["10.1.0.1", "10.1.0.2", "10.1.0.3", "192.0.2.7", "198.51.100.1",
            "10.1.0.9"]
BAD4 = ["0.0.0.0", "0.1.2.3", "255.255.255.255", "224.0.0.5", "239.9.9.9"]
SOURCES6 = ["2001:db8::1", "2001:db8::2", "fe80::9", "2001:db8::3",
            "fd00::1"]
BAD6 = ["::", "ff0e::5", "ff02::1"]


class Gen:
    def __init__(self, rng, ifidx, lo, names):
        self.r, self.ifidx, self.lo = rng, ifidx, lo
        self.names = names

    def addr(self, good, bad):
        r = self.r.random()
        if r < 0.85:
            return m.addr_bytes(self.r.choice(good))
        if r < 0.93:
            return m.addr_bytes(self.r.choice(bad))
        return self.rand_bytes()

    def rand_bytes(self):
        return bytes(self.r.getrandbits(8) for _ in range(self.r.choice(
            (0, 1, 3, 4, 5, 8, 15, 16, 17, 20))))

    def attr(self, t, payload, flags=0):
        return m.nla(t | flags, payload)

    def ifindex(self):
        r = self.r.random()
        if r < 0.85:
            v = self.r.choice(self.ifidx)
        else:
            v = self.r.choice((0, self.lo, 999, 0xffffffff,
                               self.r.getrandbits(32)))
        if self.r.random() < 0.04:
            return self.attr(m.A_IFINDEX, struct.pack("=I", v)[
                :self.r.choice((0, 1, 2, 3))] + b"\0" * self.r.choice((0, 4)))
        return m.nla_u32(m.A_IFINDEX, v)

    def ifname(self):
        """IFNAME: mostly a device's name, else no device's, an invalid
        one, or random bytes."""
        r = self.r.random()
        if r < 0.6:
            n = self.r.choice(self.names).encode()
        elif r < 0.7:
            n = b"nosuch0"
        elif r < 0.85:
            n = self.r.choice((b"", b".", b"..", b"a/b", b"a:b", b"a b",
                               b"a\xa0", b"x" * 15, b"x" * 16, b"d0\0x"))
        else:
            return self.attr(m.A_IFNAME, self.rand_bytes())
        return self.attr(m.A_IFNAME, n + b"\0" * self.r.choice((1, 1, 1, 0)))

    def group(self):
        r = self.r.random()
        if r < 0.85:
            g = m.addr_bytes(self.r.choice(GROUPS))
        elif r < 0.95:
            g = m.addr_bytes(self.r.choice(BAD_GROUPS))
        else:
            g = self.rand_bytes()
        return self.attr(m.A_GROUP, g)

    def fmode(self):
        v = self.r.choice((INCL, INCL, EXCL) * 4 + (0, 3, 255))
        if self.r.random() < 0.05:
            return self.attr(m.A_FMODE, struct.pack("=I", v))
        return m.nla_u8(m.A_FMODE, v)

    def sources(self, v6):
        n = self.r.choice((0, 1, 2, 2, 3, 3, 4, 5))
        inner = []
        for _ in range(n):
            if self.r.random() < 0.07:
                v6 = not v6             # the other family
            s = self.addr(SOURCES6, BAD6) if v6 else \
                self.addr(SOURCES4, BAD4)
            t = m.A_SOURCE
            if self.r.random() < 0.03:
                t = self.r.choice((0, m.A_IFINDEX, m.A_GROUP, A_MAX + 1))
            inner.append(self.attr(t, s, NESTED if self.r.random() < 0.02
                                   else 0))
            if self.r.random() < 0.05:   # a duplicate
                inner.append(inner[-1])
        body = b"".join(inner)
        if self.r.random() < 0.03:
            body += bytes(self.r.choice((1, 2, 3)))
        return self.attr(m.A_SOURCES, body,
                         0 if self.r.random() < 0.03 else NESTED)

    def junk(self):
        t = self.r.choice((0, m.A_IFNAME, m.A_SOURCE, m.A_OWNERS, m.A_MTU,
                           m.A_UP, 16, 17, 18, 200, 0x3fff))
        return self.attr(t, self.rand_bytes(),
                         NESTED if self.r.random() < 0.2 else 0)

    def batch(self):
        """A batch JOIN: 1 to 4 MCHOST_A_MEMBERSHIP entries, each a JOIN's
        attributes as attrs() makes them; rarely one beside them."""
        r = self.r
        out = [self.attr(m.A_MEMBERSHIP, self.attrs(JOIN, inner=True),
                         NESTED if r.random() < 0.97 else 0)
               for _ in range(r.randint(1, 4))]
        if r.random() < 0.05:
            out.append(self.ifindex())
        return b"".join(out)

    def attrs(self, cmd, inner=False):
        r, out = self.r, []
        if cmd == JOIN and not inner and r.random() < 0.05:
            return self.batch()
        v6 = r.random() < 0.5
        dump = cmd in DUMPS
        name = not dump and r.random() < 0.2
        if r.random() < (0.3 if dump else 0.5 if name else 0.97):
            out.append(self.ifindex())
        if name:
            out.append(self.ifname())
        if not dump or r.random() < 0.1:
            if r.random() < 0.97:
                g = self.group()
                v6 = len(g) - 4 == 16
                out.append(g)
        if (cmd == JOIN and r.random() < 0.6) or r.random() < 0.05:
            out.append(self.fmode())
        if (cmd == JOIN and r.random() < 0.6) or r.random() < 0.05:
            out.append(self.sources(v6))
        if r.random() < (0.15 if dump else 0.5):
            out.append(self.attr(m.A_PERSISTENT, b"" if r.random() < 0.96
                                 else b"\1"))
        if r.random() < 0.06:
            out.append(self.junk())
        if r.random() < 0.05 and out:        # a duplicate attribute
            out.append(r.choice(out))
        if r.random() < 0.3:
            r.shuffle(out)
        data = b"".join(out)
        x = r.random()
        if x < 0.04 and data:                 # cut
            data = data[:r.randrange(len(data))]
        elif x < 0.08 and data:               # one bit flipped
            i = r.randrange(len(data))
            data = data[:i] + bytes([data[i] ^ (1 << r.randrange(8))]) + \
                data[i + 1:]
        elif x < 0.10:                        # junk appended
            data += self.rand_bytes()
        return data

    def request(self, family, seq):
        """(datagram, header fault or None, cmd, nlmsg flags, attrs)."""
        r = self.r
        x = r.random()
        cmd = JOIN if x < 0.45 else LEAVE if x < 0.75 else \
            GET_GROUP if x < 0.9 else GET_IFACE if x < 0.94 else \
            GET_STATS if x < 0.97 else \
            r.choice((0, 6, 7, 100, 255))
        flags = m.NLM_F_REQUEST
        if r.random() < 0.85:
            flags |= m.NLM_F_ACK
        if cmd in DUMPS:
            if r.random() < 0.95:
                flags |= m.NLM_F_DUMP
        elif r.random() < 0.04:
            flags |= m.NLM_F_DUMP
        if r.random() < 0.05:
            flags |= r.choice((NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC))
        if r.random() < 0.02:
            flags &= ~m.NLM_F_REQUEST
        attrs = self.attrs(cmd)
        self.reserved = r.choice((0,) * 30 + (1, 0xffff))
        body = struct.pack("=BBH", cmd, r.choice((0, 1, 1, 1, 2, 255)),
                           self.reserved) + attrs
        typ, fault = family, None
        x = r.random()
        if x < 0.02:
            typ, fault = 0xfff0, "family"
        elif x < 0.03:
            typ, fault = r.choice((1, 3, 4, 15)), "control"
        msg = struct.pack("=IHHII", 16 + len(body), typ, flags, seq,
                          r.getrandbits(32)) + body
        x = r.random()
        if x < 0.015:
            msg, fault = msg[:r.randrange(1, 16)], "short"
        elif x < 0.03:
            msg = struct.pack("=I", r.choice((0, 4, 15))) + msg[4:]
            fault = "nlmsg_len"
        elif x < 0.045:
            msg = struct.pack("=I", len(msg) + r.choice((1, 4, 100))) + \
                msg[4:]
            fault = "nlmsg_len"
        elif x < 0.06:
            cut = 16 + r.randrange(4)
            msg = struct.pack("=I", cut) + msg[4:cut]
            fault = "genl header" if fault is None else fault
        return msg, fault, cmd, flags, attrs


def predict(model, gen, fault, cmd, flags, attrs, owner, priv, lo):
    """Reply(err, msg) for a do request; ("dump", ifindex, cmd) for a
    valid dump; None for no reply at all."""
    ack = flags & m.NLM_F_ACK
    if fault in ("short", "nlmsg_len"):
        return None
    if not flags & m.NLM_F_REQUEST or fault == "control":
        return Reply(0) if ack else None
    if fault == "family":
        return Reply(-errno.ENOENT)
    if fault == "genl header":
        return Reply(-errno.EINVAL)
    # genl_header_check(): the family sets no resv_start_op, so every
    # command is checked.
    if gen.reserved:
        return Reply(-errno.EINVAL, "genlmsghdr.reserved field is not 0")
    if flags & ~m.NLM_F_DUMP & ~(m.NLM_F_REQUEST | m.NLM_F_ACK) or \
            flags & m.NLM_F_DUMP not in (0, m.NLM_F_DUMP):
        return Reply(-errno.EINVAL,
                     "ambiguous or reserved bits set in nlmsg_flags")
    dump = flags & m.NLM_F_DUMP == m.NLM_F_DUMP
    if cmd not in (JOIN, LEAVE) + DUMPS:
        return Reply(-errno.EOPNOTSUPP)
    if dump != (cmd in DUMPS):
        # No such operation; 6.1 checks the permission first.
        if not priv and cmd in (JOIN, LEAVE):
            return Reply((-errno.EOPNOTSUPP, -errno.EPERM))
        return Reply(-errno.EOPNOTSUPP)
    if not priv and cmd in (JOIN, LEAVE):
        return Reply(-errno.EPERM)
    try:
        tb = nl_validate(attrs, POLICY, A_MAX)
    except Policy:
        return Reply((-errno.EINVAL, -errno.ERANGE), "")
    if dump:
        idx = struct.unpack("=I", tb[m.A_IFINDEX][1])[0] \
            if m.A_IFINDEX in tb else 0
        return ("dump", idx, cmd, m.A_PERSISTENT in tb)
    if cmd == JOIN and m.A_MEMBERSHIP in tb:
        rep = model.batch(attrs, tb, owner, lo)
        # Its failures come in replies, with or without an ack after them.
        if rep.err == 0 and not ack and not rep.failed:
            return None
        return rep
    try:
        model.do(cmd, tb, "P" if m.A_PERSISTENT in tb else owner, lo)
    except Reply as rep:
        if rep.err == 0 and not ack:
            return None
        return rep


# --------------------------------------------------------- the exchange

class Sock:
    def __init__(self, ns=NS):
        self.g = m.Genl(ns=ns)
        self.sk, self.family = self.g.sk, self.g.family
        self.seq = 1000

    def exchange(self, msg, seq, dump):
        """Send; return the replies [(type, flags, payload)] to seq: for a
        do request those already queued (the kernel handles a request in
        sendmsg), for a dump all of them up to NLMSG_DONE or an error."""
        self.sk.send(msg)
        out = []
        while True:
            try:
                data = self.sk.recv(1 << 20, 0 if dump else socket.MSG_DONTWAIT)
            except BlockingIOError:
                return out
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, sq, _ = struct.unpack_from("=IHHII", data, off)
                check(ln >= 16, "netlink reply of length %d" % ln)
                check(sq == seq, "a reply to seq %d, not %d" % (sq, seq))
                out.append((t, fl, data[off + 16:off + ln]))
                if t in (m.NLMSG_DONE, m.NLMSG_ERROR):
                    dump = False
                off += (ln + 3) & ~3


def msg_ok(got, want):
    """An extack message against a prediction: None is anything, "" any
    non-empty one, else it or one of a tuple."""
    if want is None:
        return True
    if want == "":
        return bool(got)
    return got in (want if isinstance(want, tuple) else (want,))


def batch_failures(got, family, want, what):
    """The failed memberships a batch JOIN's replies list are exactly want
    [(index, errno(s), message)]; returns the other messages."""
    fails = []
    for t, _, p in got:
        if t != family:
            continue
        for at, av in m.nla_parse(p[4:]):
            eq(at, m.A_FAILED, "%s: reply attribute" % what)
            f = dict(m.nla_parse(av))
            fails.append((struct.unpack("=I", f[m.F_INDEX])[0],
                          -struct.unpack("=I", f[m.F_ERROR])[0],
                          f.get(m.F_MESSAGE, b"").rstrip(b"\0").decode()))
    eq([f[0] for f in fails], [w[0] for w in want],
       "%s: the failed memberships (%s)" % (what, fails))
    for (i, err, msg), (_, werr, wmsg) in zip(fails, want):
        ok = werr if isinstance(werr, tuple) else (werr,)
        check(err in ok and msg_ok(msg, wmsg), "%s: membership %d failed "
              "with %d %r, expected %s %r" % (what, i, err, msg, ok, wmsg))
    return [x for x in got if x[0] != family]


def dump_rows(replies, cmd):
    """The rows of a GET_GROUP dump as Model.rows() gives them, the
    (ifindex, ngroups4, ngroups6) of a GET_IFACE dump, or the (ifindex,
    ifname, nest types) of a GET_STATS dump."""
    out = []
    for t, fl, p in replies:
        if t in (m.NLMSG_DONE, m.NLMSG_ERROR):
            continue
        a = dict(m.nla_parse(p[4:]))
        idx = struct.unpack("=I", a[m.A_IFINDEX])[0]
        if cmd == GET_STATS:
            out.append((idx, a[m.A_IFNAME].rstrip(b"\0").decode(),
                        sorted(a)))
            continue
        if cmd == GET_IFACE:
            out.append((idx, struct.unpack("=I", a[m.A_NGROUPS4])[0],
                        struct.unpack("=I", a[m.A_NGROUPS6])[0]))
            continue
        g = a[m.A_GROUP]
        af = socket.AF_INET if len(g) == 4 else socket.AF_INET6
        srcs = [socket.inet_ntop(af, s) for t2, s in
                m.nla_parse(a.get(m.A_SOURCES, b""))]
        out.append((idx, a[m.A_IFNAME].rstrip(b"\0").decode(),
                    socket.inet_ntop(af, g), a[m.A_FMODE][0], srcs,
                    struct.unpack("=I", a[m.A_OWNERS])[0]))
    return sorted(out)


def iface_rows(model, ifindex, all_idx):
    n = {}
    for (idx, g), _ in model.state.items():
        c = n.setdefault(idx, [0, 0])
        c[len(g) == 16] += 1
    return sorted((i, n.get(i, [0, 0])[0], n.get(i, [0, 0])[1])
                  for i in all_idx if not ifindex or i == ifindex)


def stats_rows(model, ifindex, all_idx):
    """GET_STATS: every device of the namespace (the joinable ones and
    lo), with its name and both nests."""
    attrs = sorted((m.A_IFINDEX, m.A_IFNAME, m.A_IGMP_STATS, m.A_MLD_STATS))
    return sorted((i, model.devs.get(i, "lo"), attrs)
                  for i in all_idx if not ifindex or i == ifindex)


def fuzz(rng, socks, model, n, priv, lo, all_idx, stats, on_check=None):
    """n requests; each outcome is checked against the prediction."""
    gen = Gen(rng, sorted(model.devs), lo,
              sorted(model.devs.values()) + ["lo"])
    for i in range(n):
        si = rng.randrange(len(socks))
        s = socks[si]
        s.seq += 1
        msg, fault, cmd, flags, attrs = gen.request(s.family, s.seq)
        want = predict(model, gen, fault, cmd, flags, attrs, si, priv, lo)
        isdump = isinstance(want, tuple)
        got = s.exchange(msg, s.seq, isdump)
        what = "request %d (cmd %d flags %#x fault %s): %s" % (
            i, cmd, flags, fault, msg.hex())
        if want is None:
            eq(got, [], "%s: replies" % what)
            stats["no reply"] += 1
            continue
        if isdump:
            errs = [m.Genl._error(fl, p) for t, fl, p in got
                    if t == m.NLMSG_ERROR]
            eq(errs, [], "%s: dump errors" % what)
            eq(got[-1][0], m.NLMSG_DONE, "%s: the dump's last message" % what)
            rows = dump_rows(got, want[2])
            exp = model.rows(want[1], want[3]) if want[2] == GET_GROUP \
                else stats_rows(model, want[1], all_idx) \
                if want[2] == GET_STATS \
                else iface_rows(model, want[1], all_idx)
            eq(rows, exp, "%s: dump" % what)
            stats["dumps"] += 1
            continue
        if getattr(want, "failed", None) is not None:
            got = batch_failures(got, s.family, want.failed, what)
            stats["batches"] += 1
            if not flags & m.NLM_F_ACK:
                eq(got, [], "%s: replies after the failures" % what)
                continue
        eq([t for t, _, _ in got], [m.NLMSG_ERROR], "%s: reply types" % what)
        err, emsg = m.Genl._error(got[0][1], got[0][2])
        ok = want.err if isinstance(want.err, tuple) else (want.err,)
        check(err in ok, "%s: errno %d (%s), expected %s (message %r)" % (
            what, err, os.strerror(-err), ok, emsg))
        if want.msg == "":
            check(emsg, "%s: error %d without an extack message" %
                  (what, err))
        elif want.msg is not None:
            ok = want.msg if isinstance(want.msg, tuple) else (want.msg,)
            check(emsg in ok, "%s: extack message %r, expected %s" %
                  (what, emsg, " or ".join(map(repr, ok))))
        stats["ok" if err == 0 else "errors"] += 1
        if on_check and (i + 1) % CHECK_EVERY == 0:
            on_check("after %d requests" % (i + 1))


# ----------------------------------------------------------- the state

def expect_state(model, what):
    rows = model.rows()
    mode = {INCL: "include", EXCL: "exclude"}

    def text(r, owners):
        s = "dev %s group %s mode %s" % (r[1], r[2], mode[r[3]])
        s += "".join(" source " + x for x in r[4])
        return s + (" owners %d" % r[5] if owners else "")
    out = m.ctl(["show"], ns=NS).stdout.splitlines()
    eq(sorted(out), sorted(text(r, False) for r in rows),
       "%s: `mchostctl show`" % what)
    out = m.ctl(["-d", "show"], ns=NS).stdout.splitlines()
    # The report timers end each line; they move with the clock.
    timers = re.compile(r" rtx_left \d+( next_report_ms \d+)?"
                        r"( last_report_ms \d+)?$")
    for ln in out:
        check(timers.search(ln), "`mchostctl -d show`: timers in %r" % ln)
    eq(sorted(timers.sub("", ln) for ln in out),
       sorted(text(r, True) for r in rows),
       "%s: `mchostctl -d show`" % what)
    js = json.loads(m.ctl(["-j", "show"], ns=NS).stdout)
    eq(sorted(js, key=lambda e: (e["ifindex"], e["grp"])),
       sorted(({"ifindex": r[0], "ifname": r[1], "grp": r[2],
                "filter_mode": mode[r[3]],
                "source_list": [{"address": s} for s in r[4]],
                "owners": r[5]}
               for r in rows), key=lambda e: (e["ifindex"], e["grp"])),
       "%s: `mchostctl -j show`" % what)
    eq(m.proc_groups(NS)[1], proc_lines(model),
       "%s: %s/groups" % (what, m.PROC))


def proc_lines(model):
    mode = {INCL: "include", EXCL: "exclude"}
    return sorted("%s %s %s %s %d" % (r[1], r[2], mode[r[3]],
                                      ",".join(r[4]) or "-", r[5])
                  for r in model.rows())


def unpriv_worker(seed, n, lo, all_idx, devs, state):
    """In the unprivileged child: n requests; the model is read-only."""
    model = Model({int(k): v for k, v in devs.items()})
    for k, owners in state:
        model.state[(k[0], bytes.fromhex(k[1]))] = {
            o: (md, frozenset(bytes.fromhex(x) for x in s))
            for o, md, s in owners}
    stats = {"ok": 0, "errors": 0, "dumps": 0, "no reply": 0,
             "batches": 0}
    socks = [Sock(None)]         # run() put this process in netns NS
    fuzz(random.Random(seed), socks, model, n, False, lo, all_idx, stats)
    print(json.dumps(stats))


def body():
    seed = int(os.environ.get("MCHOST_SEED") or random.SystemRandom()
               .randrange(1 << 32))
    log("seed %d (MCHOST_SEED=%d reproduces this run)" % (seed, seed))
    rng = random.Random(seed)
    tw = m.TaintWatch()
    kr = m.KernelReports()
    m.fresh_module("max_sources=%d" % MAX_SOURCES)
    m.netns_add(NS)
    for d in ("d0", "d1"):
        m.dummy(d, NS)
    ip("link add d2 type dummy", ns=NS)          # down
    devs = {m.ifindex(d, NS): d for d in ("d0", "d1", "d2")}
    lo = m.ifindex("lo", NS)
    all_idx = sorted(devs) + [lo]
    # The loopback device has mchost state too (dumps list it) but takes no
    # joins.
    model = Model(devs)
    stats = {"ok": 0, "errors": 0, "dumps": 0, "no reply": 0,
             "batches": 0}

    step("%d requests as root over two sockets" % N_ROOT)
    socks = [Sock(), Sock()]
    fuzz(rng, socks, model, N_ROOT, True, lo, all_idx, stats,
         on_check=lambda w: expect_state(model, w))
    expect_state(model, "after the root requests")
    log("root: %s; %d memberships" % (stats, len(model.state)))
    check(stats["ok"] >= N_ROOT // 10 and stats["errors"] >= N_ROOT // 10
          and stats["dumps"] >= N_ROOT // 20
          and stats["batches"] >= N_ROOT // 200,
          "too few successes, errors or dumps: %s" % stats)

    step("%d requests as uid 65534" % N_UNPRIV)
    state = [((k[0], k[1].hex()), [(o, md, [x.hex() for x in s])
                                   for o, (md, s) in owners.items()])
             for k, owners in model.state.items()]
    arg = json.dumps([rng.randrange(1 << 32), N_UNPRIV, lo, all_idx,
                      {str(k): v for k, v in devs.items()}, state])
    r = m.run(UNPRIV + [sys.executable, os.path.abspath(__file__),
                        "unpriv"], ns=NS, check=False, input=arg,
              timeout=600)
    eq((r.returncode, r.stderr), (0, ""), "the unprivileged requests "
       "(stdout: %s)" % r.stdout[-3000:])
    log("uid 65534: %s" % r.stdout.splitlines()[0])
    expect_state(model, "after the unprivileged requests")

    step("closing the sockets drops exactly their memberships")
    for i, s in enumerate(socks):
        s.g.close()
        model.drop_owner(i)
        want = proc_lines(model)
        m.wait_for(lambda: m.proc_groups(NS)[1] == want, 30,
                   "socket %d's memberships to go" % i)
        expect_state(model, "after closing socket %d" % i)

    step("counters, rmmod, kernel log")
    c = m.check_stats_cli(NS)
    m.check_invariant(c, "at the end")
    m.rmmod()
    kr.check()
    tw.check()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "unpriv":
        a = json.loads(sys.stdin.read())
        sys.exit(m.main(lambda: unpriv_worker(*a)))
    m.main(body)
