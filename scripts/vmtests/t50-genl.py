#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t50-genl: the generic netlink family without the CLI.

A raw netlink client (mclib.Genl) checks the uapi encoding of the dumps
(include/uapi/linux/mchost.h, from the YNL spec), socket-owned
(non-persistent) memberships and their release when the socket closes,
requests the CLI never sends (wrong attribute sizes, out-of-range values,
output-only attributes) and every rejection the README lists: each must
fail with its exact errno and extended-ack message and change nothing; a
merged source list over max_sources; multi-part dumps across devices (no
record lost or repeated); and pending memberships (MCHOST_A_PENDING,
devices named by MCHOST_A_IFNAME): waiting, applied on register and
rename, waiting again on unregister, the per-namespace limit, and their
multi-part dump.
"""
import errno
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import (A_FMODE, A_GROUP, A_IFINDEX, A_IFNAME, A_OWNERS,
                   A_PENDING, A_PERSISTENT, A_SOURCE, A_SOURCES, A_IGMP_VERSION,
                   A_MLD_VERSION, A_NGROUPS4, A_NGROUPS6, A_MTU, A_UP,
                   MCHOST_CMD_GET_GROUP, MCHOST_CMD_GET_IFACE,
                   MCHOST_CMD_JOIN, MCHOST_CMD_LEAVE, MCHOST_CMD_SET_IFACE,
                   A_SET_IGMP_VERSION, A_SET_MLD_VERSION, A_SET_ROBUSTNESS,
                   A_SET_REPORT_LINK_LOCAL, Member, check, eq, ip,
                   nla, nla_flag, nla_nest, nla_u32, nla_u8, step)

NS = "h"
INC, EXC = m.MCHOST_FMODE_INCLUDE, m.MCHOST_FMODE_EXCLUDE


def one_attr(attrs, t, what):
    v = [p for at, p in attrs if at == t]
    eq(len(v), 1, "%s: number of attributes of type %d" % (what, t))
    return v[0]


def u32(b, what):
    eq(len(b), 4, "%s: attribute length (u32)" % what)
    return struct.unpack("=I", b)[0]


def u8(b, what):
    eq(len(b), 1, "%s: attribute length (u8)" % what)
    return b[0]


def group_records(g):
    """GET_GROUP dump decoded, without the waiting pending memberships:
    sorted list of (ifindex, ifname, group, mode, (sources...), owners)."""
    out = []
    for attrs in g.dump(MCHOST_CMD_GET_GROUP):
        types = [t for t, _ in attrs]
        if A_PENDING in types and A_IFINDEX not in types:
            continue            # waiting: waiting_records()
        w = "GET_GROUP message %r" % (attrs,)
        idx = u32(one_attr(attrs, A_IFINDEX, w), w + " IFINDEX")
        name = one_attr(attrs, A_IFNAME, w)
        check(name.endswith(b"\0"), "%s: IFNAME not NUL-terminated" % w)
        grp = one_attr(attrs, A_GROUP, w)
        check(len(grp) in (4, 16), "%s: GROUP of %d bytes" % (w, len(grp)))
        mode = u8(one_attr(attrs, A_FMODE, w), w + " FMODE")
        srcs = []
        nests = [p for t, p in attrs if t == A_SOURCES]
        check(len(nests) <= 1, "%s: more than one SOURCES" % w)
        for nest in nests:
            for t, p in m.nla_parse(nest):
                eq(t, A_SOURCE, "%s: attribute type inside SOURCES" % w)
                eq(len(p), len(grp), "%s: SOURCE length" % w)
                srcs.append(m.addr_text(p))
        owners = u32(one_attr(attrs, A_OWNERS, w), w + " OWNERS")
        out.append((idx, name[:-1].decode(), m.addr_text(grp),
                    {INC: "include", EXC: "exclude"}.get(mode, mode),
                    tuple(srcs), owners))
    return sorted(out)


def rec(idx, dev, group, mode, sources=(), owners=1):
    return (idx, dev, m.canon(group), mode, tuple(m.sort_sources(sources)),
            owners)


def iface_records(g, *filt):
    out = []
    for attrs in g.dump(MCHOST_CMD_GET_IFACE, *filt):
        w = "GET_IFACE message %r" % (attrs,)
        out.append((u32(one_attr(attrs, A_IFINDEX, w), w),
                    one_attr(attrs, A_IFNAME, w).rstrip(b"\0").decode(),
                    u8(one_attr(attrs, A_UP, w), w + " UP"),
                    u32(one_attr(attrs, A_MTU, w), w + " MTU"),
                    u8(one_attr(attrs, A_IGMP_VERSION, w),
                       w + " IGMP_VERSION"),
                    u8(one_attr(attrs, A_MLD_VERSION, w), w + " MLD_VERSION"),
                    u32(one_attr(attrs, A_NGROUPS4, w), w + " NGROUPS4"),
                    u32(one_attr(attrs, A_NGROUPS6, w), w + " NGROUPS6")))
    return sorted(out)


SETS = (A_SET_IGMP_VERSION, A_SET_MLD_VERSION, A_SET_ROBUSTNESS,
        A_SET_REPORT_LINK_LOCAL)


def settings(g, ifindex):
    """A device's own settings from GET_IFACE (255: the parameter's)."""
    (attrs,) = g.dump(MCHOST_CMD_GET_IFACE, nla_u32(A_IFINDEX, ifindex))
    w = "GET_IFACE settings of %d" % ifindex
    return tuple(u8(one_attr(attrs, t, w), w) for t in SETS)


def body():
    tw = m.TaintWatch()
    m.fresh_module()
    m.netns_add(NS)
    devs = ("d0", "d1", "d2")
    for d in devs:
        m.dummy(d, ns=NS)
    idx = {d: m.ifindex(d, NS) for d in ("lo",) + devs}
    g = m.Genl(ns=NS)

    step("family: version 1; join through raw netlink; GET_GROUP encoding")
    eq(g.version, 1, "mchost genl family version")
    eq(g.do(MCHOST_CMD_JOIN, nla_u32(A_IFINDEX, idx["d0"]),
            nla(A_GROUP, m.addr_bytes("232.50.0.1")), nla_u8(A_FMODE, INC),
            nla_nest(A_SOURCES, nla(A_SOURCE, m.addr_bytes("10.0.0.2")),
                     nla(A_SOURCE, m.addr_bytes("10.0.0.1"))),
            nla_flag(A_PERSISTENT)), (0, ""), "raw JOIN (errno, message)")
    eq(m.genl_join(g, idx["d0"], "ff3e::50:1"), (0, ""),
       "raw JOIN of an IPv6 group without FMODE")
    eq(m.genl_join(g, idx["d0"], "ff3e::50:2", None, ["2001:db8::1"]), (0, ""),
       "raw JOIN with sources and without FMODE")
    base = [rec(idx["d0"], "d0", "232.50.0.1", "include",
                ["10.0.0.1", "10.0.0.2"]),
            rec(idx["d0"], "d0", "ff3e::50:1", "exclude"),
            # uapi: "JOIN default EXCLUDE" (the CLI's default differs)
            rec(idx["d0"], "d0", "ff3e::50:2", "exclude", ["2001:db8::1"])]
    eq(group_records(g), sorted(base), "GET_GROUP dump")
    m.expect_members([Member(r[1], r[2], r[3], r[4], r[5], r[0])
                      for r in base], NS, "the raw joins seen by the CLI")

    step("GET_IFACE encoding, and the IFINDEX filter")
    ifs = [(idx["lo"], "lo", 1, 65536, 3, 2, 0, 0)] + \
        [(idx[d], d, 1, 1500, 3, 2, 1 if d == "d0" else 0,
          2 if d == "d0" else 0) for d in devs]
    eq(iface_records(g), sorted(ifs), "GET_IFACE dump")
    eq(iface_records(g, nla_u32(A_IFINDEX, idx["d1"])),
       [x for x in ifs if x[1] == "d1"], "GET_IFACE dump with IFINDEX d1")
    D = m.MCHOST_SET_DEFAULT
    for d in devs:
        eq(settings(g, idx[d]), (D,) * 4, "GET_IFACE settings of " + d)

    step("SET_IFACE: a device's settings, and back to the parameters")
    d1 = nla_u32(A_IFINDEX, idx["d1"])
    eq(g.do(MCHOST_CMD_SET_IFACE, d1, nla_u8(A_SET_IGMP_VERSION, 1),
            nla_u8(A_SET_ROBUSTNESS, 7)), (0, ""), "SET_IFACE of d1")
    eq(settings(g, idx["d1"]), (1, D, 7, D), "d1's settings")
    eq([x[4] for x in iface_records(g, d1)], [1], "d1's IGMP version")
    eq(g.do(MCHOST_CMD_SET_IFACE, d1, nla_u8(A_SET_REPORT_LINK_LOCAL, 0),
            nla_u8(A_SET_IGMP_VERSION, D)), (0, ""),
       "SET_IFACE of d1: report_link_local 0, igmp_version default")
    eq(settings(g, idx["d1"]), (D, D, 7, 0), "d1's settings then")
    eq(g.do(MCHOST_CMD_SET_IFACE, d1, nla_u8(A_SET_ROBUSTNESS, D),
            nla_u8(A_SET_REPORT_LINK_LOCAL, D)), (0, ""),
       "SET_IFACE of d1: all back to default")
    eq(iface_records(g), sorted(ifs), "GET_IFACE dump after SET_IFACE")

    ynl_steps(g, idx["d1"])

    step("socket-owned memberships: owners, merge, release on close")
    s1, s2 = m.Genl(ns=NS), m.Genl(ns=NS)
    G = "239.50.0.1"
    d1 = idx["d1"]

    def expect_g(exp, what):
        eq([r for r in group_records(g) if r[2] == G], exp, what)
    eq(m.genl_join(s1, d1, G, persistent=False), (0, ""), "s1 JOIN")
    expect_g([rec(d1, "d1", G, "exclude")], "after s1's join")
    for who, persistent in ((s2, False), (s2, True), (g, True)):
        err, msg = m.genl_leave(who, d1, G, persistent)
        check(err < 0 and "no such membership" in msg,
              "LEAVE (persistent=%s) by a socket that does not own %s: "
              "expected 'no such membership', got %d %r" %
              (persistent, G, err, msg))
    eq(m.genl_join(s2, d1, G, INC, ["10.0.0.5"], persistent=False), (0, ""),
       "s2 JOIN")
    expect_g([rec(d1, "d1", G, "exclude", (), 2)],
             "s1 EXCLUDE{} + s2 INCLUDE{5}")
    eq(m.genl_join(s1, d1, G, INC, ["10.0.0.6"], persistent=False), (0, ""),
       "s1 re-JOIN")
    expect_g([rec(d1, "d1", G, "include", ["10.0.0.5", "10.0.0.6"], 2)],
             "s1 INCLUDE{6} (replaced) + s2 INCLUDE{5}")
    eq(m.genl_leave(s1, d1, G, persistent=False), (0, ""), "s1 LEAVE")
    expect_g([rec(d1, "d1", G, "include", ["10.0.0.5"])], "after s1 left")
    eq(m.genl_join(s1, d1, G, EXC, ["10.0.0.5"], persistent=False), (0, ""),
       "s1 JOIN again")
    expect_g([rec(d1, "d1", G, "exclude", (), 2)],
             "s1 EXCLUDE{5} + s2 INCLUDE{5}")
    check(m.mcast_mac(G) in m.maddr_links("d1", NS), "maddr of %s" % G)
    s1.close()
    m.wait_for(lambda: [r for r in group_records(g) if r[2] == G] ==
               [rec(d1, "d1", G, "include", ["10.0.0.5"])], 3,
               "s1's filter to go when s1 closed")
    s2.close()
    m.wait_for(lambda: not [r for r in group_records(g) if r[2] == G], 3,
               "the membership to go when s2 (its last owner) closed")
    check(m.mcast_mac(G) not in m.maddr_links("d1", NS),
          "maddr of %s left after its last owner closed" % G)
    eq(group_records(g), sorted(base), "GET_GROUP after the sockets closed")

    step("malformed requests: error + extack message, nothing changes")
    d0 = nla_u32(A_IFINDEX, idx["d0"])
    g4 = nla(A_GROUP, m.addr_bytes("232.50.0.9"))
    g4old = nla(A_GROUP, m.addr_bytes("232.50.0.1"))
    P = nla_flag(A_PERSISTENT)
    PEND = nla_flag(A_PENDING)

    def srcs(*bs):
        return nla_nest(A_SOURCES, *[nla(A_SOURCE, b) for b in bs])
    J, L, S = MCHOST_CMD_JOIN, MCHOST_CMD_LEAVE, MCHOST_CMD_SET_IFACE
    s65 = [m.addr_bytes("10.65.0.%d" % i) for i in range(1, 66)]
    E = errno
    GRP = "group must be a 4-byte IPv4 or 16-byte IPv6 address"
    SRC = "source must be a 4-byte IPv4 or 16-byte IPv6 address"
    AF = "source address family differs from the group's"
    UNI = "source is not a unicast address"
    NOTMC = "group is not a multicast address"
    POLICY = "Attribute failed policy validation"
    RANGE = "integer out of range"
    LO = "memberships on a loopback device are meaningless"
    MISS_DEV = "missing device (MCHOST_A_IFINDEX) [missing attribute 1]"
    MISS_GRP = "missing group (MCHOST_A_GROUP) [missing attribute 3]"
    lo = nla_u32(A_IFINDEX, idx["lo"])
    # (what, command, attributes, errno, extended-ack message)
    bad = [
        ("JOIN without attributes", J, [], E.EINVAL, MISS_DEV),
        ("JOIN without GROUP", J, [d0, P], E.EINVAL, MISS_GRP),
        ("JOIN without IFINDEX", J, [g4, P], E.EINVAL, MISS_DEV),
    ] + [("JOIN with a %d-byte GROUP" % n, J, [d0, nla(A_GROUP, b"\xff" * n),
                                               P], E.EINVAL, GRP)
         for n in (0, 3, 5, 8, 15)] + [
        ("JOIN with a 17-byte GROUP", J, [d0, nla(A_GROUP, b"\xff" * 17), P],
         E.ERANGE, POLICY),
        ("JOIN with IFINDEX 0", J, [nla_u32(A_IFINDEX, 0), g4, P], E.ERANGE,
         RANGE),
        ("JOIN with an unknown IFINDEX", J,
         [nla_u32(A_IFINDEX, 0x7fffffff), g4, P], E.ENODEV,
         "unknown device"),
        ("JOIN on the loopback device", J, [lo, g4, P], E.EOPNOTSUPP, LO),
        ("JOIN with a 1-byte IFINDEX", J, [nla_u8(A_IFINDEX, 2), g4, P],
         E.EINVAL, "invalid attribute length"),
        ("JOIN with FMODE 0", J, [d0, g4, nla_u8(A_FMODE, 0), P], E.ERANGE,
         RANGE),
        ("JOIN with FMODE 3", J, [d0, g4, nla_u8(A_FMODE, 3), P], E.ERANGE,
         RANGE),
        ("JOIN with FMODE 255", J, [d0, g4, nla_u8(A_FMODE, 255), P],
         E.ERANGE, RANGE),
        ("JOIN with a 5-byte SOURCE", J,
         [d0, g4old, nla_u8(A_FMODE, INC), srcs(b"\x0a\0\0\1\1"), P],
         E.EINVAL, SRC),
        ("JOIN with a 0-byte SOURCE", J,
         [d0, g4old, nla_u8(A_FMODE, INC), srcs(b""), P], E.EINVAL, SRC),
        ("JOIN with an IPv6 SOURCE for an IPv4 group", J,
         [d0, g4old, nla_u8(A_FMODE, INC), srcs(m.addr_bytes("2001:db8::1")),
          P], E.EINVAL, AF),
        ("JOIN with an IPv4 SOURCE for an IPv6 group", J,
         [d0, nla(A_GROUP, m.addr_bytes("ff3e::50:2")), nla_u8(A_FMODE, INC),
          srcs(m.addr_bytes("10.0.0.1")), P], E.EINVAL, AF),
        ("JOIN with 65 sources", J,
         [d0, g4old, nla_u8(A_FMODE, INC), srcs(*s65), P], E.E2BIG,
         "too many sources (more than max_sources)"),
        ("JOIN with a duplicate source", J,
         [d0, g4old, nla_u8(A_FMODE, EXC),
          srcs(m.addr_bytes("10.0.0.1"), m.addr_bytes("10.0.0.1")), P],
         E.EINVAL, "duplicate source address"),
        ("JOIN INCLUDE with an empty SOURCES nest", J,
         [d0, g4old, nla_u8(A_FMODE, INC), srcs(), P], E.EINVAL,
         "INCLUDE with no sources is a leave, use LEAVE"),
        ("JOIN of the IPv4-mapped all-hosts group as 16 bytes", J,
         [d0, nla(A_GROUP, m.addr_bytes("::ffff:224.0.0.1")), P], E.EINVAL,
         NOTMC),
        ("JOIN of an IPv4-mapped group (::ffff:239.1.1.1) as 16 bytes", J,
         [d0, nla(A_GROUP, m.addr_bytes("::ffff:239.1.1.1")), P], E.EINVAL,
         NOTMC),
        ("JOIN of a unicast group", J,
         [d0, nla(A_GROUP, m.addr_bytes("10.1.1.1")), P], E.EINVAL, NOTMC),
        ("JOIN of 224.0.0.1", J,
         [d0, nla(A_GROUP, m.addr_bytes("224.0.0.1")), P], E.EINVAL,
         "the all-hosts group (224.0.0.1) cannot be joined"),
        ("JOIN of ff02::1", J, [d0, nla(A_GROUP, m.addr_bytes("ff02::1")), P],
         E.EINVAL, "the all-hosts group (ff02::1) cannot be joined"),
        ("JOIN of ff01::5 (scope 1)", J,
         [d0, nla(A_GROUP, m.addr_bytes("ff01::5")), P], E.EINVAL,
         "IPv6 groups of scope 0 or 1 cannot be joined"),
        ("JOIN with an output-only OWNERS attribute", J,
         [d0, g4, nla_u32(A_OWNERS, 5), P], E.EINVAL, POLICY),
        ("JOIN with IFNAME d1 and IFINDEX d0", J,
         [d0, g4, nla(A_IFNAME, b"d1\0"), P], E.EINVAL,
         "MCHOST_A_IFNAME is not the name of device MCHOST_A_IFINDEX"),
        ("JOIN with IFNAME d1 and an unknown IFINDEX", J,
         [nla_u32(A_IFINDEX, 0x7fffffff), g4, nla(A_IFNAME, b"d1\0"), P],
         E.ENODEV, "unknown device"),
        ("JOIN with a 16-character IFNAME", J,
         [nla(A_IFNAME, b"x" * 16 + b"\0"), g4, P], E.EINVAL, POLICY),
        ("JOIN with an IFNAME without its NUL", J,
         [nla(A_IFNAME, b"d1"), g4, P], E.EINVAL, POLICY),
        ("JOIN with an empty IFNAME", J, [nla(A_IFNAME, b"\0"), g4, P],
         E.EINVAL, "invalid device name"),
        ("JOIN with IFNAME a/b", J, [nla(A_IFNAME, b"a/b\0"), g4, P],
         E.EINVAL, "invalid device name"),
        ("JOIN with IFNAME ..", J, [nla(A_IFNAME, b"..\0"), g4, P],
         E.EINVAL, "invalid device name"),
        ("JOIN by the IFNAME of no device", J,
         [nla(A_IFNAME, b"late9\0"), g4, P], E.ENODEV, "unknown device"),
        ("JOIN PENDING without PERSISTENT", J,
         [nla(A_IFNAME, b"late9\0"), g4, PEND], E.EINVAL,
         "pending memberships are persistent: MCHOST_A_PERSISTENT is "
         "needed"),
        ("JOIN PENDING without IFNAME", J, [d0, g4, PEND, P], E.EINVAL,
         "a pending membership needs the device name (MCHOST_A_IFNAME)"),
        ("JOIN PENDING with a 2-byte PENDING", J,
         [nla(A_IFNAME, b"late9\0"), g4, nla(A_PENDING, b"\1\1"), P],
         E.ERANGE, POLICY),
        ("JOIN PENDING INCLUDE {}", J,
         [nla(A_IFNAME, b"late9\0"), g4, nla_u8(A_FMODE, INC), PEND, P],
         E.EINVAL, "INCLUDE with no sources is a leave, use LEAVE"),
        ("JOIN PENDING on the loopback device, by name", J,
         [nla(A_IFNAME, b"lo\0"), g4, PEND, P], E.EOPNOTSUPP, LO),
        ("LEAVE with PENDING", L, [nla(A_IFNAME, b"late9\0"), g4, PEND, P],
         E.EINVAL, "LEAVE takes no MCHOST_A_PENDING: name the device by "
         "MCHOST_A_IFNAME"),
        ("LEAVE by the IFNAME of no device, nothing waiting", L,
         [nla(A_IFNAME, b"late9\0"), g4, P], E.ENODEV, "unknown device"),
        ("LEAVE by the IFNAME of no device, not persistent", L,
         [nla(A_IFNAME, b"late9\0"), g4], E.ENODEV, "unknown device"),
        ("LEAVE by IFNAME d0 of a group not held", L,
         [nla(A_IFNAME, b"d0\0"), g4, P], E.ENOENT, "no such membership"),
        ("LEAVE with IFNAME d1 and IFINDEX d0", L,
         [d0, g4old, nla(A_IFNAME, b"d1\0"), P], E.EINVAL,
         "MCHOST_A_IFNAME is not the name of device MCHOST_A_IFINDEX"),
        ("LEAVE without GROUP", L, [d0, P], E.EINVAL, MISS_GRP),
        ("LEAVE without IFINDEX", L, [g4old, P], E.EINVAL, MISS_DEV),
        ("LEAVE with a 3-byte GROUP", L, [d0, nla(A_GROUP, b"\xe8\1\1"), P],
         E.EINVAL, GRP),
        ("LEAVE with an unknown IFINDEX", L,
         [nla_u32(A_IFINDEX, 0x7fffffff), g4old, P], E.ENODEV,
         "unknown device"),
        ("LEAVE on the loopback device", L, [lo, g4old, P], E.EOPNOTSUPP, LO),
        ("LEAVE of a group not held", L, [d0, g4, P], E.ENOENT,
         "no such membership"),
        ("SET_IFACE without IFINDEX", S, [nla_u8(A_SET_ROBUSTNESS, 2)],
         E.EINVAL, MISS_DEV),
        ("SET_IFACE with nothing to set", S, [d0], E.EINVAL,
         "nothing to set"),
        ("SET_IFACE robustness 0", S, [d0, nla_u8(A_SET_ROBUSTNESS, 0)],
         E.EINVAL, "robustness must be 1 to 7"),
        ("SET_IFACE robustness 8", S, [d0, nla_u8(A_SET_ROBUSTNESS, 8)],
         E.EINVAL, "robustness must be 1 to 7"),
        ("SET_IFACE igmp_version 4", S, [d0, nla_u8(A_SET_IGMP_VERSION, 4)],
         E.EINVAL, "igmp_version must be 1, 2 or 3"),
        ("SET_IFACE mld_version 0, with a valid igmp_version", S,
         [d0, nla_u8(A_SET_IGMP_VERSION, 2), nla_u8(A_SET_MLD_VERSION, 0)],
         E.EINVAL, "mld_version must be 1 or 2"),
        ("SET_IFACE report_link_local 2", S,
         [d0, nla_u8(A_SET_REPORT_LINK_LOCAL, 2)], E.EINVAL,
         "report_link_local must be 0 or 1"),
        ("SET_IFACE with a 4-byte robustness", S,
         [d0, nla_u32(A_SET_ROBUSTNESS, 2)], E.EINVAL,
         "invalid attribute length"),
        ("SET_IFACE on the loopback device", S,
         [lo, nla_u8(A_SET_ROBUSTNESS, 2)], E.EOPNOTSUPP, LO),
        ("SET_IFACE with an unknown IFINDEX", S,
         [nla_u32(A_IFINDEX, 0x7fffffff), nla_u8(A_SET_ROBUSTNESS, 2)],
         E.ENODEV, "unknown device"),
    ] + [("JOIN with the non-unicast source %s" % a, J,
          [d0, nla(A_GROUP, m.addr_bytes(grp)), nla_u8(A_FMODE, mode),
           srcs(*[m.addr_bytes(x) for x in (ok, a)]), P], E.EINVAL, UNI)
         for grp, ok, mode in (("232.50.0.1", "10.0.0.1", INC),
                               ("ff3e::50:2", "2001:db8::1", EXC))
         for a in ((("0.0.0.0", "224.0.0.5", "239.1.1.1",
                     "255.255.255.255") if ":" not in grp else
                    ("::", "ff02::1", "ff0e::1")))]
    before = group_records(g)
    before_ifs = iface_records(g)
    for what, cmd, attrs, err_want, msg_want in bad:
        err, msg = g.do(cmd, *attrs)
        eq((errno.errorcode.get(-err, err), msg),
           (errno.errorcode[err_want], msg_want), "%s: errno and extended "
           "ack" % what)
        eq(group_records(g), before, "GET_GROUP after: " + what)
    eq(iface_records(g), before_ifs, "GET_IFACE after the malformed requests")
    eq(settings(g, idx["d0"]), (m.MCHOST_SET_DEFAULT,) * 4,
       "d0's settings after the malformed requests")

    step("a merged source list over max_sources (64): E2BIG, nothing changes")
    s1 = m.Genl(ns=NS)
    d1 = idx["d1"]
    G = "232.50.1.1"
    s40 = ["10.66.0.%d" % i for i in range(1, 41)]
    s25 = ["10.66.1.%d" % i for i in range(1, 26)]
    eq(m.genl_join(g, d1, G, INC, s40), (0, ""), "persistent INCLUDE{40}")
    MERGED = (-errno.E2BIG, "merged source list of the group exceeds "
              "max_sources")
    eq(m.genl_join(s1, d1, G, INC, s25, persistent=False), MERGED,
       "a socket owner's INCLUDE{25 others} beside INCLUDE{40}")
    eq(m.genl_join(g, d1, G, INC, s40 + s25[:24]), (0, ""),
       "the persistent owner's INCLUDE{64} (replaces its own)")
    eq([r for r in group_records(g) if r[2] == G],
       [rec(d1, "d1", G, "include", s40 + s25[:24])],
       "the group after the rejected merge and the replace")
    eq(m.genl_join(s1, d1, G, INC, s25[24:], persistent=False), MERGED,
       "a socket owner's INCLUDE{1 other}: 65 in the union")
    eq(m.genl_leave(g, d1, G), (0, ""), "LEAVE")
    s1.close()
    eq(group_records(g), before, "GET_GROUP after the merge rejections")
    err, _, _ = g.request(g.family, 99, b"")
    eq(err, -errno.EOPNOTSUPP, "errno of an unknown command")

    step("multi-part dumps across devices: 3 x 700 records, none lost")
    want = set(before)
    for d in devs:
        for i in range(700):
            grp = "239.51.%d.%d" % (i // 250, i % 250 + 1)
            err = m.genl_join(g, idx[d], grp)
            eq(err, (0, ""), "raw JOIN %s on %s" % (grp, d))
            want.add(rec(idx[d], d, grp, "exclude"))
    got = group_records(g)
    eq(len(got), len(want), "number of GET_GROUP records (%d expected)"
       % len(want))
    eq(set(got), want, "GET_GROUP records after 2,100 joins")
    eq(len(m.show_lines(NS)), len(want), "`mchostctl show` lines")
    ifs2 = [(i, n, u, mt, v4, v6, a + (700 if n in devs else 0), b)
            for (i, n, u, mt, v4, v6, a, b) in ifs]
    eq(iface_records(g), sorted(ifs2), "GET_IFACE after 2,100 joins")
    for d in devs:
        for i in range(700):
            grp = "239.51.%d.%d" % (i // 250, i % 250 + 1)
            eq(m.genl_leave(g, idx[d], grp), (0, ""), "raw LEAVE")
    eq(group_records(g), sorted(base), "GET_GROUP after the leaves")
    batch_steps(g, idx, base)
    pending_steps(g, idx, base)
    g.close()
    ip("link del d2", ns=NS)
    tw.check()


def member(ifidx, group, mode=None, sources=(), persistent=True,
           extra=()):
    """One MCHOST_A_MEMBERSHIP of a batch JOIN."""
    a = [nla_u32(A_IFINDEX, ifidx), nla(A_GROUP, m.addr_bytes(group))]
    if mode is not None:
        a.append(nla_u8(A_FMODE, mode))
    if sources:
        a.append(nla_nest(A_SOURCES, *[nla(A_SOURCE, m.addr_bytes(x))
                                       for x in sources]))
    if persistent:
        a.append(nla_flag(A_PERSISTENT))
    return nla_nest(m.A_MEMBERSHIP, *(a + list(extra)))


def batch_join(g, *entries):
    """A batch JOIN: (errno, extack message, [(index, errno, message)] of
    the failed memberships, from however many replies)."""
    err, msg, replies = g.request(g.family, MCHOST_CMD_JOIN,
                                  b"".join(entries))
    failed = []
    for p in replies:
        for t, v in m.nla_parse(p[4:]):
            eq(t, m.A_FAILED, "a batch JOIN reply's attribute")
            f = dict(m.nla_parse(v))
            check(set(f) <= {m.F_INDEX, m.F_ERROR, m.F_MESSAGE} and
                  m.F_INDEX in f and m.F_ERROR in f,
                  "a failure's attributes: %s" % sorted(f))
            failed.append((u32(f[m.F_INDEX], "index"),
                           -u32(f[m.F_ERROR], "error"),
                           f.get(m.F_MESSAGE, b"").rstrip(b"\0").decode()))
    return err, msg, failed


def batch_steps(g, idx, base):
    step("batch JOIN: memberships applied in order, each on its own; the "
         "failed ones listed in the reply with their errno and message")
    d0, d1 = idx["d0"], idx["d1"]
    eq(batch_join(g, member(d0, "232.52.0.1"),
                  member(d0, "224.0.0.1"),
                  member(d1, "ff3e::52:1", INC, ["2001:db8::1"]),
                  member(0x7fffffff, "232.52.0.2"),
                  member(d1, "232.52.0.3", INC),
                  member(d1, "232.52.0.4", extra=[nla_u8(A_FMODE, 9)]),
                  member(d0, "232.52.0.5", extra=[member(d0, "232.52.0.6")]),
                  member(d1, "232.52.0.1", EXC, ["10.0.0.1"])),
       (0, "", [(1, -errno.EINVAL, "the all-hosts group (224.0.0.1) cannot "
                 "be joined"),
                (3, -errno.ENODEV, "unknown device"),
                (4, -errno.EINVAL, "INCLUDE with no sources is a leave, use "
                 "LEAVE"),
                (5, -errno.ERANGE, "integer out of range"),
                (6, -errno.EINVAL, "MCHOST_A_MEMBERSHIP does not nest")]),
       "a batch of 8, 5 of them bad")
    added = [rec(d0, "d0", "232.52.0.1", "exclude"),
             rec(d1, "d1", "ff3e::52:1", "include", ["2001:db8::1"]),
             rec(d1, "d1", "232.52.0.1", "exclude", ["10.0.0.1"])]
    eq(group_records(g), sorted(base + added), "GET_GROUP after the batch")
    eq(batch_join(g, member(d0, "232.52.0.1", INC, ["10.0.0.9"]),
                  member(d0, "232.52.0.1")), (0, "", []),
       "two changes of one membership in a batch: the last one holds")
    eq(group_records(g), sorted(base + added), "GET_GROUP after them")

    step("batch JOIN: malformed as a whole, nothing changes")
    whole = [
        ("beside a top-level IFINDEX", [nla_u32(A_IFINDEX, d0),
                                        member(d0, "232.52.1.1")],
         (-errno.EINVAL, "a batch JOIN has its memberships in "
          "MCHOST_A_MEMBERSHIP only", [])),
        ("beside a top-level PERSISTENT", [member(d0, "232.52.1.1"),
                                           nla_flag(A_PERSISTENT)],
         (-errno.EINVAL, "a batch JOIN has its memberships in "
          "MCHOST_A_MEMBERSHIP only", [])),
        ("MCHOST_BATCH_MAX + 1 memberships",
         [member(d0, "232.53.%d.%d" % (i // 250, i % 250 + 1))
          for i in range(m.MCHOST_BATCH_MAX + 1)],
         (-errno.E2BIG, "more than MCHOST_BATCH_MAX memberships", [])),
    ]
    for what, attrs, want in whole:
        eq(batch_join(g, *attrs), want, "a batch JOIN %s" % what)
    eq(group_records(g), sorted(base + added),
       "GET_GROUP after the malformed batches")
    n = m.MCHOST_BATCH_MAX
    eq(batch_join(g, *[member(d1, "232.53.%d.%d" % (i // 250, i % 250 + 1))
                       for i in range(n)]), (0, "", []),
       "a batch of MCHOST_BATCH_MAX")
    eq(len(group_records(g)), len(base) + len(added) + n,
       "GET_GROUP records after it")
    for i in range(n):
        eq(m.genl_leave(g, d1, "232.53.%d.%d" % (i // 250, i % 250 + 1)),
           (0, ""), "raw LEAVE")
    for r in added:
        eq(m.genl_leave(g, r[0], r[2]), (0, ""), "raw LEAVE %s" % r[2])
    eq(group_records(g), sorted(base), "GET_GROUP after the leaves")


def ynl_steps(g, d1):
    """The family as its YNL spec describes it, through the kernel's YNL
    library: d1 has no membership before and after."""
    step("YNL (the spec and tools/net/ynl): JOIN, GET_GROUP, LEAVE, their "
         "notifications on \"monitor\", an error with its extack")
    y, mon = g.ynl, m.ynl(NS)
    mon.ntf_subscribe("monitor")
    G, S = "232.50.9.1", ["10.0.0.9", "10.0.0.8"]
    eq(y.do("join", {"ifindex": d1, "group": m.addr_bytes(G), "fmode": INC,
                     "sources": {"source": [m.addr_bytes(a) for a in S]},
                     "persistent": True}), None, "YNL join: no reply")
    want = {"ifindex": d1, "ifname": "d1", "group": G, "fmode": "include",
            "owners": 1, "sources": {"source": sorted(S)}}

    def untimed(r, what):
        """r without its report timers, which must be there."""
        r = dict(r)
        check("rtx-left" in r, "%s: rtx-left in %r" % (what, r))
        for k in ("rtx-left", "next-report-ms", "last-report-ms"):
            r.pop(k, None)
        if "sources" in r:
            r["sources"] = {"source": sorted(r["sources"]["source"])}
        return r

    got = y.dump("get-group", {"ifindex": d1})
    eq([untimed(r, "GET_GROUP") for r in got], [want], "YNL get-group of d1")
    mon.check_ntf()
    ntf = [(n["name"], untimed(n["msg"], n["name"]))
           for n in mon.async_msg_queue]
    eq(ntf, [("group-ntf", dict(want, event="join"))],
       "the join's notification, decoded by YNL")
    mon.async_msg_queue.clear()
    eq(y.do("leave", {"ifindex": d1, "group": m.addr_bytes(G),
                      "persistent": True}), None, "YNL leave")
    eq(y.dump("get-group", {"ifindex": d1}), [], "get-group of d1 after it")
    mon.check_ntf()
    eq([(n["name"], n["msg"]["event"], n["msg"]["group"], n["msg"]["owners"])
        for n in mon.async_msg_queue], [("group-ntf", "leave", G, 0)],
       "the leave's notification: owners 0")
    eq(m.ynl_result(y.do, "leave", {"ifindex": d1, "group": m.addr_bytes(G),
                                     "persistent": True}),
       (-errno.ENOENT, "no such membership"), "YNL leave again")
    mon.sock.close()


def waiting_records(g, *filt):
    """The waiting pending memberships of a GET_GROUP dump: sorted
    (ifname, group, mode, (sources...), owners); each has PENDING and no
    IFINDEX."""
    out = []
    for attrs in g.dump(MCHOST_CMD_GET_GROUP, *filt):
        if any(t == A_IFINDEX for t, _ in attrs):
            continue
        w = "waiting GET_GROUP message %r" % (attrs,)
        eq(one_attr(attrs, A_PENDING, w), b"", w + ": PENDING flag")
        grp = one_attr(attrs, A_GROUP, w)
        srcs = [p for t, p in m.nla_parse(one_attr(attrs, A_SOURCES, w))]
        out.append((one_attr(attrs, A_IFNAME, w).rstrip(b"\0").decode(),
                    m.addr_text(grp), u8(one_attr(attrs, A_FMODE, w), w),
                    tuple(m.addr_text(x) for x in srcs),
                    u32(one_attr(attrs, A_OWNERS, w), w)))
    return sorted(out)


def pending_flags(g):
    """{(ifindex, group): PENDING set} of the devices' memberships."""
    return {(u32(one_attr(a, A_IFINDEX, "msg"), "IFINDEX"),
             m.addr_text(one_attr(a, A_GROUP, "msg"))):
            any(t == A_PENDING for t, _ in a)
            for a in g.dump(MCHOST_CMD_GET_GROUP)
            if any(t == A_IFINDEX for t, _ in a)}


def pending_steps(g, idx, base):
    J, L = MCHOST_CMD_JOIN, MCHOST_CMD_LEAVE
    P, PEND = nla_flag(A_PERSISTENT), nla_flag(A_PENDING)
    INC = m.MCHOST_FMODE_INCLUDE

    def name(n):
        return nla(A_IFNAME, n.encode() + b"\0")

    def grp(a):
        return nla(A_GROUP, m.addr_bytes(a))

    step("pending: waiting, applied when late0 appears, waiting again")
    G, G6 = "239.52.0.1", "ff3e::52:1"
    src = nla_nest(A_SOURCES, nla(A_SOURCE, m.addr_bytes("10.0.0.7")))
    eq(g.do(J, name("late0"), grp(G), nla_u8(A_FMODE, INC), src, PEND, P),
       (0, ""), "JOIN PENDING late0 INCLUDE {10.0.0.7}")
    eq(g.do(J, name("late0"), grp(G6), PEND, P), (0, ""),
       "JOIN PENDING late0 " + G6)
    eq(g.do(J, name("late0"), grp(G6), PEND, P), (0, ""),
       "the same JOIN PENDING again (replaces)")
    waiting = [("late0", G, INC, ("10.0.0.7",), 1),
               ("late0", G6, m.MCHOST_FMODE_EXCLUDE, (), 1)]
    eq(waiting_records(g), waiting, "GET_GROUP: two waiting")
    eq(waiting_records(g, nla_u32(A_IFINDEX, idx["d0"])), [],
       "GET_GROUP with IFINDEX: no waiting ones")
    eq(waiting_records(g, P), waiting, "GET_GROUP PERSISTENT: the same")
    eq(group_records(g), sorted(base), "the devices' memberships unchanged")
    m.dummy("late0", ns=NS)
    li = m.ifindex("late0", NS)
    eq(waiting_records(g), [], "none waits once late0 exists")
    eq(sorted(r for r in group_records(g) if r[1] == "late0"),
       sorted([rec(li, "late0", G, "include", ["10.0.0.7"]),
               rec(li, "late0", G6, "exclude")]), "late0's memberships")
    eq({k: v for k, v in pending_flags(g).items() if k[0] == li},
       {(li, G): True, (li, G6): True}, "late0's memberships are pending")
    check(m.mcast_mac(G) in m.maddr_links("late0", NS), "maddr of %s" % G)
    eq(g.do(J, nla_u32(A_IFINDEX, li), name("late0"), grp(G), PEND, P),
       (0, ""), "JOIN PENDING by IFINDEX and IFNAME: EXCLUDE {} now")
    ip("link del late0", ns=NS)
    eq(waiting_records(g), sorted([("late0", G, m.MCHOST_FMODE_EXCLUDE,
                                    (), 1), waiting[1]]),
       "late0 deleted: both wait again, with their last filters")
    check(all(r[1] != "late0" for r in group_records(g)),
          "no membership of late0's index is left")

    step("pending: a rename applies; LEAVE by index ends the binding")
    ip("link add other0 type dummy", ns=NS)
    ip("link set other0 name late0", ns=NS)
    li = m.ifindex("late0", NS)
    eq(waiting_records(g), [], "renamed to late0: applied")
    eq(g.do(L, nla_u32(A_IFINDEX, li), grp(G), P), (0, ""),
       "LEAVE of %s by IFINDEX" % G)
    eq(g.do(J, nla_u32(A_IFINDEX, li), grp(G6), P), (0, ""),
       "a JOIN of %s without PENDING: no longer pending" % G6)
    eq({k: v for k, v in pending_flags(g).items() if k[0] == li},
       {(li, G6): False}, "late0: %s, not pending" % G6)
    ip("link del late0", ns=NS)
    eq(waiting_records(g), [], "late0 deleted: nothing comes back")

    step("pending: LEAVE by name, and the limit of 1024 waiting")
    eq(g.do(J, name("late1"), grp(G), PEND, P), (0, ""), "JOIN late1")
    eq(g.do(L, name("late1"), grp(G), P), (0, ""), "LEAVE by name")
    eq(g.do(L, name("late1"), grp(G), P), (-errno.ENODEV, "unknown device"),
       "LEAVE by name again")
    want = []
    for i in range(1024):
        a = "239.53.%d.%d" % (i // 250, i % 250 + 1)
        eq(g.do(J, name("late%d" % (i % 7)), grp(a), PEND, P), (0, ""),
           "JOIN PENDING %d" % i)
        want.append(("late%d" % (i % 7), a, m.MCHOST_FMODE_EXCLUDE, (), 1))
    eq(g.do(J, name("late0"), grp("239.54.0.1"), PEND, P),
       (-errno.ENOSPC, "too many pending memberships wait in this "
        "namespace"), "the 1025th waiting one")
    eq(g.do(J, name("late0"), grp("239.53.0.1"), nla_u8(A_FMODE, INC),
            src, PEND, P), (0, ""), "replacing one at the limit")
    want[0] = ("late0", "239.53.0.1", INC, ("10.0.0.7",), 1)
    got = waiting_records(g)
    eq(len(got), 1024, "1024 waiting, in a multi-part dump")
    eq(got, sorted(want), "the 1024 waiting ones")
    eq(group_records(g), sorted(base), "the devices' memberships unchanged")
    for i in range(1024):
        a = "239.53.%d.%d" % (i // 250, i % 250 + 1)
        eq(g.do(L, name("late%d" % (i % 7)), grp(a), P), (0, ""),
           "LEAVE by name %d" % i)
    eq(waiting_records(g), [], "none waits after the leaves")


if __name__ == "__main__":
    m.main(body)
