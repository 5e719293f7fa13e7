#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t10-membership: joins, leaves, full-state replace, every rejection, batch.

Netns h holds h0 (veth to p0 in netns p, whose IPv6 is disabled so nothing
is ever received: all receive counters must stay 0), b0 (dummy, batch tests)
and d0 (dummy, down). Checks the exact records in `show`, `-j show` and
/proc/net/mchost/groups, `ifaces` (text, JSON, /proc/net/mchost/interfaces),
`stats`, and the link-layer addresses mchost adds (`ip maddr`).
"""
import os
import socket
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mclib import (Member, check, check_stats_cli, ctl, ctl_error,
                   ctl_json, dummy, eq, expect_members, fresh_module,
                   iface_json, iface_line, iface_proc_line,
                   ifindex, ip, ipv6_quiet, join_args, maddr_inet,
                   maddr_links, main, mcast_mac, netns_add, proc_interfaces,
                   show_json, show_lines, step, TaintWatch, veth, in_netns,
                   wait_for)

NS = "h"


def check_ifaces(expected, what):
    """expected: {dev: (ifindex, up, mtu, groups4, groups6)} = all devices."""
    exp_text = sorted(iface_line(d, *v) for d, v in expected.items())
    eq(sorted(ctl("ifaces", ns=NS).stdout.splitlines()), exp_text,
       "%s: `mchostctl ifaces`" % what)
    js = ctl_json("ifaces", ns=NS)
    check(isinstance(js, list), "-j ifaces: expected a JSON array")
    eq(sorted(js, key=lambda o: o.get("ifindex", 0)),
       sorted((iface_json(d, *v) for d, v in expected.items()),
              key=lambda o: o["ifindex"]), "%s: `mchostctl -j ifaces`" % what)
    eq(proc_interfaces(NS),
       sorted(iface_proc_line(d, *v) for d, v in expected.items()),
       "%s: /proc/net/mchost/interfaces" % what)
    for d, v in expected.items():
        eq(ctl(["ifaces", "dev", d], ns=NS).stdout.splitlines(),
           [iface_line(d, *v)], "%s: `mchostctl ifaces dev %s`" % (what, d))


def check_stats_zero():
    c = check_stats_cli(NS)
    for proto, d in c.items():
        nz = {k: v for k, v in d.items() if k.startswith("rcv_") and v}
        eq(nz, {}, "%s receive counters in a netns that received nothing"
           % proto)


def body():
    tw = TaintWatch()
    fresh_module()
    netns_add(NS)
    netns_add("p")
    veth("h0", NS, "p0", "p", up=False)
    ipv6_quiet("p", "p0", disable=True)     # p never sends anything
    ip("link set p0 up", ns="p")
    ip("link set h0 up", ns=NS)
    dummy("b0", ns=NS)
    dummy("d0", ns=NS, up=False)
    idx = {d: ifindex(d, NS) for d in ("lo", "h0", "b0", "d0")}
    base = {d: set(maddr_links(d, NS)) for d in ("h0", "b0")}
    mtu = {"lo": 65536, "h0": 1500, "b0": 1500, "d0": 1500}
    up = {"lo": 1, "h0": 1, "b0": 1, "d0": 0}

    def ifs(counts):
        return {d: (idx[d], up[d], mtu[d]) + counts.get(d, (0, 0))
                for d in idx}

    def M(dev, group, mode, sources=(), owners=1):
        return Member(dev, group, mode, sources, owners, idx[dev])

    def expect_maddr(dev, groups, what):
        eq(set(maddr_links(dev, NS)),
           base[dev] | {mcast_mac(g) for g in groups},
           "%s: link-layer addresses of %s (ip maddr)" % (what, dev))

    step("initial state: nothing joined, every device listed, counters 0")
    expect_members([], NS, "initial")
    check_ifaces(ifs({}), "initial")
    check_stats_zero()

    step("join INCLUDE{2}, EXCLUDE{1} (IPv4) and an ASM IPv6 group")
    G1, G2, G6 = "232.1.1.1", "239.2.2.2", "ff3e::8000:1"
    # Sources given out of order: byte order puts .9 before .10 (string
    # order would not).
    ctl(join_args("h0", G1, "include", ["10.0.0.10", "10.0.0.9"]), ns=NS)
    ctl(join_args("h0", G2, "exclude", ["10.0.0.1"]), ns=NS)
    ctl(join_args("h0", G6), ns=NS)
    mem = [M("h0", G1, "include", ["10.0.0.9", "10.0.0.10"]),
           M("h0", G2, "exclude", ["10.0.0.1"]),
           M("h0", G6, "exclude")]
    eq(sorted(m.show_line() for m in mem),
       sorted(["dev h0 group 232.1.1.1 mode include source 10.0.0.9 "
               "source 10.0.0.10",
               "dev h0 group 239.2.2.2 mode exclude source 10.0.0.1",
               "dev h0 group ff3e::8000:1 mode exclude"]),
       "self-check of the expected lines")
    expect_members(mem, NS, "after 3 joins")
    expect_members(mem, NS, "after 3 joins", dev="h0")
    expect_members([], "p", "netns p (memberships are per netns)")
    eq(show_lines(NS, "b0"), [], "`show dev b0` with nothing on b0")
    check_ifaces(ifs({"h0": (2, 1)}), "after 3 joins")
    expect_maddr("h0", [G1, G2, G6], "after 3 joins")
    eq(set(maddr_links("b0", NS)), base["b0"], "b0 maddr untouched")
    stock = maddr_inet("h0", NS)
    for g in (G1, G2, G6):
        check(g not in stock, "the stock stack joined %s (ip maddr shows "
              "inet %s): mchost must keep its own memberships" % (g, g))

    step("default modes, IPv6 SSM sources, 64 sources, link/site scope")
    G3, G7, G8, G9 = "232.3.3.3", "ff3e::8000:2", "239.8.8.8", "232.64.0.1"
    LS = ["224.0.0.251", "ff02::fb", "ff05::1:3"]
    for g in LS:
        ctl(join_args("h0", g), ns=NS)
    ctl(join_args("h0", G3, None, ["10.0.0.3"]), ns=NS)      # -> include
    ctl(join_args("h0", G7, "include",
                  ["2001:db8::10", "2001:db8::2", "2001:db8:0:1::1"]), ns=NS)
    ctl(join_args("h0", G8, "exclude"), ns=NS)
    src64 = ["10.64.%d.%d" % (i // 10, 250 - i) for i in range(64)]
    ctl(join_args("h0", G9, "include", src64), ns=NS)
    more = [M("h0", G3, "include", ["10.0.0.3"]),
            M("h0", G7, "include",
              ["2001:db8::2", "2001:db8::10", "2001:db8:0:1::1"]),
            M("h0", G8, "exclude"),
            M("h0", G9, "include", src64)] + [M("h0", g, "exclude")
                                               for g in LS]
    expect_members(mem + more, NS, "after 10 joins")
    check_ifaces(ifs({"h0": (6, 4)}), "after 10 joins")
    expect_maddr("h0", [G1, G2, G6, G3, G7, G8, G9] + LS, "after 10 joins")
    for g in [G3, G7, G8, G9] + LS:
        ctl(["leave", "dev", "h0", "group", g], ns=NS)
    expect_members(mem, NS, "after leaving the 7 extra groups")
    expect_maddr("h0", [G1, G2, G6], "after leaving the 7 extra groups")

    step("a second join by the same owner replaces the filter")
    for mode, srcs, exp_mode in (("include", ["10.0.0.3"], "include"),
                                 ("exclude", ["10.0.0.4", "10.0.0.5"],
                                  "exclude"),
                                 (None, [], "exclude"),
                                 (None, ["10.0.0.6"], "include"),
                                 ("include", ["10.0.0.10", "10.0.0.9"],
                                  "include")):
        ctl(join_args("h0", G1, mode, srcs), ns=NS)
        cur = [M("h0", G1, exp_mode, srcs)] + mem[1:]
        expect_members(cur, NS, "after re-join of %s %s %s" % (G1, mode, srcs),
                       do_proc=False)
    ctl(join_args("h0", G6, "include", ["2001:db8::1"]), ns=NS)
    expect_members([mem[0], mem[1], M("h0", G6, "include", ["2001:db8::1"])],
                   NS, "after re-join of the IPv6 group in INCLUDE")
    ctl(join_args("h0", G6, "exclude"), ns=NS)
    expect_members(mem, NS, "after the filters were restored")
    check_ifaces(ifs({"h0": (2, 1)}), "after re-joins (no new records)")
    expect_maddr("h0", [G1, G2, G6], "after re-joins")

    step("two groups with one link-layer address (232.1.1.1 / 239.1.1.1)")
    G1b = "239.1.1.1"
    eq(mcast_mac(G1b), mcast_mac(G1), "self-check: same MAC")
    ctl(join_args("h0", G1b), ns=NS)
    expect_maddr("h0", [G1, G2, G6], "with 239.1.1.1 joined too")
    ctl(["leave", "dev", "h0", "group", G1b], ns=NS)
    expect_members(mem, NS, "after leaving 239.1.1.1")
    expect_maddr("h0", [G1, G2, G6], "after leaving 239.1.1.1 (232.1.1.1 "
                 "still needs 01:00:5e:01:01:01)")

    step("rejected joins and leaves: exit 1, message, state unchanged")
    before_text = show_lines(NS)
    before_json = ctl_json("show", ns=NS)
    src65 = ["10.65.0.%d" % i for i in range(1, 66)]
    NOTMC = "group is not a multicast address"
    SCOPE = "IPv6 groups of scope 0 or 1 cannot be joined"
    MANY = "too many sources (more than max_sources)"
    DUP = "duplicate source address"
    INC0 = "INCLUDE with no sources is a leave, use LEAVE"
    AF = "source address family differs from the group's"
    UNI = "source is not a unicast address"
    NOMEM = "no such membership"
    cases = [(join_args("h0", g), NOTMC) for g in (
        "10.1.1.1", "0.0.0.0", "255.255.255.255", "::", "2001:db8::1",
        "fe80::1")] + [(join_args("h0", g), SCOPE) for g in (
            "ff00::1234", "ff01::1", "ff01::1234", "ff10::1234",
            "ff31::8000:1")] + [
        (join_args("h0", "192.0.2.1", "include", ["10.0.0.1"]), NOTMC),
        (join_args("h0", "224.0.0.1"),
         "the all-hosts group (224.0.0.1) cannot be joined"),
        (join_args("h0", "ff02::1"),
         "the all-hosts group (ff02::1) cannot be joined"),
        (join_args("nosuch0", "239.9.9.9"), "unknown device nosuch0"),
        (join_args("nosuch0", "ff3e::9"), "unknown device nosuch0"),
        (join_args("lo", "239.9.9.9"),
         "memberships on a loopback device are meaningless"),
        (join_args("lo", "ff3e::9", "include", ["2001:db8::1"]),
         "memberships on a loopback device are meaningless"),
        (join_args("h0", "232.9.9.9", "include", src65), MANY),
        (join_args("h0", G1, "include", src65), MANY),
        (join_args("h0", G2, "exclude", src65), MANY),
        (join_args("h0", G1, "include", ["10.0.0.1", "10.0.0.2",
                                         "10.0.0.1"]), DUP),
        (join_args("h0", "232.9.9.9", "exclude", ["10.0.0.7", "10.0.0.7"]),
         DUP),
        (join_args("h0", G6, "include", ["2001:db8::1", "2001:db8:0::1"]),
         DUP),
        (join_args("h0", G1, "include"), INC0),
        (join_args("h0", "232.9.9.9", "include"), INC0),
        (join_args("h0", G1, "include", ["2001:db8::1"]), AF),
        (join_args("h0", "232.9.9.9", None, ["10.0.0.1", "2001:db8::1"]),
         AF),
        (join_args("h0", G6, "include", ["10.0.0.1"]), AF),
        (join_args("h0", G6, "exclude", ["2001:db8::1", "10.0.0.1"]), AF),
    ] + [(join_args("h0", g, "include", ["10.0.0.1", s]), UNI)
         for g in (G1, "232.9.9.9")
         for s in ("0.0.0.0", "224.1.1.1", "239.255.255.255",
                   "255.255.255.255")] + \
        [(join_args("h0", G6, "exclude", [s]), UNI)
         for s in ("::", "ff0e::1", "ff02::1")] + [
        (["leave", "dev", "h0", "group", "239.99.99.99"], NOMEM),
        (["leave", "dev", "h0", "group", "ff3e::99"], NOMEM),
        (["leave", "dev", "b0", "group", G1], NOMEM),
        (["leave", "dev", "lo", "group", G1],
         "memberships on a loopback device are meaningless"),
        (["leave", "dev", "nosuch0", "group", G1], "unknown device nosuch0"),
    ]
    for args, msg in cases:
        ctl_error(args, ns=NS, msg=msg)
        eq(show_lines(NS), before_text,
           "`show` after the rejected `%s`" % " ".join(args[:6]))
    eq(ctl_json("show", ns=NS), before_json, "`-j show` after the rejections")
    expect_members(mem, NS, "after the rejections")
    check_ifaces(ifs({"h0": (2, 1)}), "after the rejections")
    expect_maddr("h0", [G1, G2, G6], "after the rejections")

    for args in (["show", "dev", "nosuch0"], ["ifaces", "dev", "nosuch0"]):
        ctl_error(args, ns=NS, msg="unknown device nosuch0")
    step("a merged source list over max_sources (64) is rejected")
    GM = "232.9.9.10"
    s40 = ["10.66.0.%d" % i for i in range(1, 41)]
    s30 = ["10.66.1.%d" % i for i in range(1, 31)]
    ctl(join_args("h0", GM, "include", s40), ns=NS)
    ctl_error(join_args("h0", GM, "include", s30, hold=True), ns=NS,
              msg="merged source list of the group exceeds max_sources")
    ctl_error(join_args("h0", GM, "include", s40[:20] + s30[:25],
                        hold=True), ns=NS, msg="merged source list of the "
              "group exceeds max_sources")      # 65 in the union
    expect_members(mem + [M("h0", GM, "include", s40)], NS, "after the "
                   "rejected owners (the persistent filter stays)")
    ctl(["leave", "dev", "h0", "group", GM], ns=NS)
    check_ifaces(ifs({"h0": (2, 1)}), "after the merged-list rejections")

    step("usage errors: exit 2, state unchanged")
    for args in ([], ["bogus"], ["join", "dev", "h0"],
                 ["join", "group", "239.9.9.9"], ["leave", "dev", "h0"]):
        r = ctl(args, ns=NS, check=False)
        eq(r.returncode, 2, "exit status of `mchostctl %s` (usage error; "
           "stderr %r)" % (" ".join(args), r.stderr.strip()))
    eq(show_lines(NS), before_text, "`show` after the usage errors")

    step("leave each group")
    ctl(["leave", "dev", "h0", "group", G2], ns=NS)
    expect_members([mem[0], mem[2]], NS, "after leaving %s" % G2)
    expect_maddr("h0", [G1, G6], "after leaving %s" % G2)
    ctl(["leave", "dev", "h0", "group", G6], ns=NS)
    expect_members([mem[0]], NS, "after leaving %s" % G6)
    expect_maddr("h0", [G1], "after leaving %s" % G6)
    check_ifaces(ifs({"h0": (1, 0)}), "after 2 leaves")
    ctl(["leave", "dev", "h0", "group", G1], ns=NS)
    expect_members([], NS, "after leaving everything")
    expect_maddr("h0", [], "after leaving everything")
    ctl_error(["leave", "dev", "h0", "group", G1], ns=NS, msg=NOMEM)
    check_ifaces(ifs({}), "after leaving everything")

    step("a group the stock stack also joined keeps its MAC after leave")
    GS = "239.6.6.6"
    with in_netns(NS):
        sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sk.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                      socket.inet_aton(GS) + bytes(4) +
                      struct.pack("@i", idx["h0"]))
    check(GS in maddr_inet("h0", NS), "stock join of %s not in ip maddr" % GS)
    ctl(join_args("h0", GS), ns=NS)
    expect_members([M("h0", GS, "exclude")], NS, "mchost + stock join")
    ctl(["leave", "dev", "h0", "group", GS], ns=NS)
    expect_members([], NS, "mchost left, stock socket still joined")
    expect_maddr("h0", [GS], "after mchost's leave of a group the stock "
                 "stack still holds")
    sk.close()
    wait_for(lambda: set(maddr_links("h0", NS)) == base["h0"], 3,
             "the MAC of %s to go after the socket closed" % GS)

    step("a device name that needs JSON escaping")
    odd = 'q"a\\b'
    dummy(odd, ns=NS)
    oidx = ifindex(odd, NS)
    ctl(join_args(odd, "239.10.0.1"), ns=NS)
    eq(show_json(NS, odd), [Member(odd, "239.10.0.1", "exclude", (), 1,
                                   oidx).json()],
       "`-j show dev %s`" % odd)
    js = ctl_json(["ifaces", "dev", odd], ns=NS)
    eq(js, [iface_json(odd, oidx, 1, 1500, 1, 0)], "`-j ifaces dev %s`" % odd)
    ip(["link", "del", odd], ns=NS)
    expect_members([], NS, "after deleting %s" % odd)

    step("device changes: MTU, up/down and rename show in ifaces/show")
    GB = "239.5.0.1"
    ctl(join_args("b0", GB), ns=NS)
    ip("link set h0 mtu 1280", ns=NS)
    mtu["h0"] = 1280
    ip("link set d0 up", ns=NS)
    up["d0"] = 1
    ip("link set b0 down", ns=NS)
    up["b0"] = 0
    check_ifaces(ifs({"b0": (1, 0)}), "after MTU 1280 on h0, d0 up, b0 down")
    ip("link set b0 name bz0", ns=NS)
    for d in (idx, mtu, up):
        d["bz0"] = d.pop("b0")
    check_ifaces(ifs({"bz0": (1, 0)}), "after renaming b0 to bz0")
    expect_members([M("bz0", GB, "exclude")], NS, "after renaming b0 to bz0")
    ip("link set bz0 name b0", ns=NS)
    for d in (idx, mtu, up):
        d["b0"] = d.pop("bz0")
    ip("link set b0 up", ns=NS)
    ip("link set h0 mtu 1500", ns=NS)
    ip("link set d0 down", ns=NS)
    mtu["h0"], up["b0"], up["d0"] = 1500, 1, 0
    ctl(["leave", "dev", "b0", "group", GB], ns=NS)
    check_ifaces(ifs({}), "after restoring the devices")
    expect_members([], NS, "after restoring the devices")

    step("batch: 2,000 joins in one file")
    tmp = tempfile.mkdtemp(prefix="t10-")
    groups = ["239.1.%d.%d" % (i // 250, i % 250 + 1) for i in range(2000)]
    f1 = os.path.join(tmp, "join2000")
    with open(f1, "w") as f:
        f.write("".join("join dev b0 group %s\n" % g for g in groups))
    r = ctl(["-b", f1], ns=NS, timeout=300)
    exp = {M("b0", g, "exclude").show_line() for g in groups}
    got = show_lines(NS, "b0")
    eq(len(got), 2000, "records on b0 after the 2,000-join batch")
    eq(set(got), exp, "records on b0 after the 2,000-join batch")
    eq(len(ctl_json(["show", "dev", "b0"], ns=NS)), 2000,
       "`-j show dev b0` entries")
    eq(show_lines(NS, "h0"), [], "`show dev h0` (batch went to b0 only)")
    check_ifaces(ifs({"b0": (2000, 0)}), "after the 2,000-join batch")
    eq(set(maddr_links("b0", NS)), base["b0"] | {mcast_mac(g) for g in groups},
       "b0 maddr after the 2,000-join batch")

    step("batch with one bad line in the middle (line 51 of 101)")
    g2 = ["239.3.0.%d" % i for i in range(1, 101)]
    lines = ["join dev b0 group %s" % g for g in g2]
    lines.insert(50, "join dev b0 group 224.0.0.1")
    f2 = os.path.join(tmp, "bad51")
    with open(f2, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = ctl(["-b", f2], ns=NS, check=False, timeout=120)
    eq(r.returncode, 1, "exit status of a batch with one bad line")
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    eq(err, ["Error: line 51: the all-hosts group (224.0.0.1) cannot be "
             "joined"], "batch error output")
    exp |= {M("b0", g, "exclude").show_line() for g in g2}
    eq(set(show_lines(NS, "b0")), exp, "records on b0 after the bad batch "
       "(the other 100 lines applied)")

    step("batch from stdin with two bad lines (2 and 7 of 9), and blank "
         "lines and # comments between them (counted, skipped)")
    lines = ["join dev b0 group 239.4.0.1",
             "join dev nosuch0 group 239.4.0.2",
             "",
             "# join dev b0 group 239.4.0.9: a comment, never run",
             "join dev b0 group 239.4.0.3 source 10.0.0.1",
             "   ",
             "join dev b0 group 239.4.0.4 source 10.0.0.1 source 10.0.0.1",
             "#leave dev b0 group 239.4.0.3",
             "leave dev b0 group 239.4.0.1"]
    r = ctl(["-b", "-"], ns=NS, check=False, input="\n".join(lines) + "\n")
    eq(r.returncode, 1, "exit status of a stdin batch with two bad lines")
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    eq(err, ["Error: line 2: unknown device nosuch0",
             "Error: line 7: " + DUP], "stdin batch errors (the blank and "
       "comment lines count as lines)")
    eq(r.stdout, "", "stdout of the batch")
    exp.add(M("b0", "239.4.0.3", "include", ["10.0.0.1"]).show_line())
    eq(set(show_lines(NS, "b0")), exp, "records on b0 after the stdin batch")
    check_ifaces(ifs({"b0": (2101, 0)}), "after the batches")

    step("batch of 2,101 leaves from stdin empties b0")
    leaves = groups + g2 + ["239.4.0.3"]
    r = ctl(["-b", "-"], ns=NS, timeout=300,
            input="".join("leave dev b0 group %s\n" % g for g in leaves))
    eq(show_lines(NS), [], "`show` after the leave batch")
    expect_members([], NS, "after the leave batch")
    check_ifaces(ifs({}), "after the leave batch")
    eq(set(maddr_links("b0", NS)), base["b0"],
       "b0 maddr after the leave batch")

    step("nothing was received; kernel not tainted")
    check_stats_zero()
    tw.check()


if __name__ == "__main__":
    main(body)
