#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t60-bridge: a Linux bridge (IGMPv3 and MLDv2 snooping querier) learns
mchost's memberships exactly as it learns a stock socket host's.

netns sw holds br0 (querier for both, fast timers, only a link-local IPv6
address so that its MLD queries come from fe80::/10) with port swh to netns
h (mchost joins on h0) and port sws to netns s (a stock host: python
sockets with MCAST_JOIN_SOURCE_GROUP / MCAST_JOIN_GROUP + MCAST_BLOCK_SOURCE,
RFC 3678, for both families). h0 has `arp off` and a nodad link-local
address: the stock stack in h joins no group it reports, so every report the
bridge counts on port swh is mchost's. Both hosts hold the same filters on
different groups, for IGMP and MLD at once:

  GI  INCLUDE {S1, S2}     then INCLUDE {S2, S4}  (ALLOW{S4} + BLOCK{S1})
  GE  EXCLUDE {S3}         then EXCLUDE {S3, S5}  (BLOCK{S5})
  GA  EXCLUDE {} (ASM)
  and finally a leave of all three.

After each step the bridge's mdb (bridge -d -j mdb show) must hold exactly
the expected entries for the port: one (*,G) entry with filter_mode and the
source list (INCLUDE sources with running timers, EXCLUDE ones at 0), one
(S,G) entry per source (flagged "blocked" for EXCLUDE sources), nothing
after a leave; and mchost's port must look like the stock host's. At the
end the bridge port's IGMPv3 / MLDv2 report counters equal mchost's
snd_v3_reports, and it received nothing else from h.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import FAMS, IGMP, MLD, check, ctl, eq, ip, log, step

SRC = {IGMP: ["10.9.0.%d" % i for i in range(6)],
       MLD: ["2001:db8:9::%d" % i for i in range(6)]}
# The same roles on both hosts; different groups so their entries differ.
GROUPS = {
    ("h", IGMP): {"GI": "232.2.2.1", "GE": "239.2.2.2", "GA": "239.2.2.3"},
    ("s", IGMP): {"GI": "232.1.1.1", "GE": "239.1.1.2", "GA": "239.1.1.3"},
    ("h", MLD): {"GI": "ff3e::2:1", "GE": "ff0e::2:2", "GA": "ff0e::2:3"},
    ("s", MLD): {"GI": "ff3e::1:1", "GE": "ff0e::1:2", "GA": "ff0e::1:3"}}
PORT = {"h": "swh", "s": "sws"}
STATES = {  # role -> (mode, source indexes) per step
    "joined": {"GI": ("include", (1, 2)), "GE": ("exclude", (3,)),
               "GA": ("exclude", ())},
    "changed": {"GI": ("include", (2, 4)), "GE": ("exclude", (3, 5)),
                "GA": ("exclude", ())},
    "left": {}}


def srcs(f, idx):
    return [SRC[f][i] for i in idx]


class StockHost:
    """The stock stack's joins in netns s, one socket per group."""

    def __init__(self):
        self.idx = m.ifindex("s0", "s")
        self.sk = {}
        for f in FAMS:
            g = GROUPS[("s", f)]
            with m.in_netns("s"):
                self.sk[f] = {r: socket.socket(f.af, socket.SOCK_DGRAM)
                              for r in g}
            for s in srcs(f, (1, 2)):
                self.opt(f, "GI", m.MCAST_JOIN_SOURCE_GROUP, s)
            self.opt(f, "GE", m.MCAST_JOIN_GROUP)
            self.opt(f, "GE", m.MCAST_BLOCK_SOURCE, SRC[f][3])
            self.opt(f, "GA", m.MCAST_JOIN_GROUP)

    def opt(self, f, role, opt, source=None):
        m.stock_mcast(self.sk[f][role], opt, self.idx,
                      GROUPS[("s", f)][role], source)

    def change(self):
        for f in FAMS:
            self.opt(f, "GI", m.MCAST_LEAVE_SOURCE_GROUP, SRC[f][1])
            self.opt(f, "GI", m.MCAST_JOIN_SOURCE_GROUP, SRC[f][4])
            self.opt(f, "GE", m.MCAST_BLOCK_SOURCE, SRC[f][5])

    def leave(self):
        for f in FAMS:
            for s in self.sk[f].values():
                s.close()


def mchost(state, idx):
    """mchost's joins / leaves in netns h for a step; the Members."""
    mem = []
    for f in FAMS:
        for role, g in GROUPS[("h", f)].items():
            if role in STATES[state]:
                mode, si = STATES[state][role]
                ctl(m.join_args("h0", g, mode, srcs(f, si)), ns="h")
                mem.append(m.Member("h0", g, mode, srcs(f, si), ifindex=idx))
            else:
                ctl(["leave", "dev", "h0", "group", g], ns="h")
    return mem


def expected(host, state):
    out = set()
    for f in FAMS:
        for role, (mode, si) in STATES[state].items():
            out |= m.mdb_expect(GROUPS[(host, f)][role], mode, srcs(f, si))
    return out


def shapes():
    e = m.mdb_entries("sw")
    return {h: m.mdb_shape(e, PORT[h], [g for f in FAMS for g in
                                        GROUPS[(h, f)].values()])
            for h in PORT}


def roles(host, shape):
    """Replace the host's groups by their role names (for the diff)."""
    inv = {m.canon(g): (f.name, r) for f in FAMS
           for r, g in GROUPS[(host, f)].items()}
    return {(inv[t[0]],) + t[1:] for t in shape}


def wait_state(state, timeout, what):
    exp = {h: expected(h, state) for h in PORT}
    t0 = time.monotonic()
    try:
        m.wait_for(lambda: shapes() == exp, timeout, what, interval=0.25)
    except m.TestFail:
        pass
    got = shapes()
    # The differential first: does mchost differ from the stock host?
    eq(roles("h", got["h"]), roles("s", got["s"]), "%s: the mdb entries of "
       "port swh (mchost) and sws (the stock host), by role" % what)
    eq({(PORT[h],) + t for h in got for t in got[h]},
       {(PORT[h],) + t for h in exp for t in exp[h]},
       "%s: the bridge's mdb entries (port, group, source, mode, source "
       "list, flags)" % what)
    log("%s: mdb as expected after %.1fs" % (what, time.monotonic() - t0))


def setup():
    for ns in ("sw", "h", "s"):
        m.netns_add(ns, ll=True)
    m.bridge_querier("sw")
    m.veth("swh", "sw", "h0", "h", up=False)
    m.veth("sws", "sw", "s0", "s", up=False)
    for p in ("swh", "sws"):
        # the ports need no address of their own
        m.sysctl("sw", "net.ipv6.conf.%s.addr_gen_mode" % p, 1)
        ip("link set %s master br0 up" % p, ns="sw")
    ip("link set br0 up", ns="sw")
    m.quiet_host("h", "h0", "192.168.9.1", "fe80::9:1")
    ip("addr add 192.168.9.2/24 dev s0", ns="s")
    ip("link set s0 up", ns="s")
    for ns, dev in (("sw", "br0"), ("s", "s0")):
        m.wait_for(lambda ns=ns, dev=dev: "tentative" not in ip(
            ["-6", "addr", "show", "dev", dev, "scope", "link"],
            ns=ns).stdout and "fe80:" in ip(
            ["-6", "addr", "show", "dev", dev], ns=ns).stdout, 5,
            "a link-local address on %s (netns %s)" % (dev, ns))
    addrs = ip(["-6", "-o", "addr", "show", "dev", "br0"], ns="sw").stdout
    check(addrs.count("inet6") == 1 and " fe80:" in addrs, "br0 must have "
          "only a link-local IPv6 address (its MLD queries must come from "
          "fe80::/10): %s" % addrs)
    eq(m.maddr_inet("h0", "h"), {"224.0.0.1", "ff02::1", "ff01::1"},
       "the stock stack's groups on h0 (none it reports)")


def body():
    tw = m.TaintWatch()
    m.fresh_module("coalesce_ms=20", "igmpv3_unsolicited_report_interval=300",
                   "mldv2_unsolicited_report_interval=300")
    step("setup: bridge querier in sw, mchost host h, stock host s")
    setup()
    idx = m.ifindex("h0", "h")

    step("joins: GI INCLUDE{S1,S2}, GE EXCLUDE{S3}, GA ASM on both hosts, "
         "IGMP and MLD")
    m.expect_members(mchost("joined", idx), ns="h", what="after the joins")
    stock = StockHost()
    wait_state("joined", 10, "after the joins")

    step("the state survives the bridge's general queries (IS_IN/IS_EX)")
    c0 = m.counters("h")
    for f in FAMS:
        m.wait_for(lambda: m.counters("h")[f.name]["qry_general"] >
                   c0[f.name]["qry_general"], 12, "the bridge's next %s "
                   "general query" % f, interval=0.2)
        # The response comes within Max Resp Time (1 s).
        m.wait_for(lambda: m.counters("h")[f.name]["snd_v3_reports"] >
                   c0[f.name]["snd_v3_reports"], 3, "mchost's %s response"
                   % f, interval=0.05)
    time.sleep(0.5)
    eq(shapes(), {h: expected(h, "joined") for h in PORT},
       "bridge mdb after the general queries and their responses")

    step("filter change: GI -> INCLUDE{S2,S4}, GE -> EXCLUDE{S3,S5}")
    mem = mchost("changed", idx)
    stock.change()
    m.expect_members(mem, ns="h", what="after the filter change")
    wait_state("changed", 10, "after the filter change")

    step("leave: every entry goes")
    mchost("left", idx)
    stock.leave()
    m.expect_members([], ns="h", what="after the leaves")
    wait_state("left", 8, "after the leaves")

    step("counters of h and of the bridge port")
    new = {IGMP: "rx_v3", MLD: "rx_v2"}       # IGMPv3 / MLDv2 reports

    def port():
        xs = m.xstats("sw", "swh")
        return {f: {"reports": {k: v for k, v in xs[f.name + "_reports"]
                                .items() if k.startswith("rx")},
                    "leaves": xs[f.name + "_leaves"]["rx"],
                    "parse errors": xs[f.name + "_parse_errors"]}
                for f in FAMS}

    def want():
        c = m.counters("h")
        return {f: {"reports": {k: c[f.name]["snd_v3_reports"] if k == new[f]
                                else 0 for k in port()[f]["reports"]},
                    "leaves": 0, "parse errors": 0} for f in FAMS}
    # The last retransmissions of the leaves may still be on their way.
    try:
        m.wait_for(lambda: port() == want(), 3, "the counters to settle")
    except m.TestFail:
        pass
    eq(port(), want(), "what bridge port swh received from h: exactly "
       "mchost's IGMPv3 / MLDv2 reports (snd_v3_reports), nothing else")
    c = m.counters("h")
    m.check_invariant(c, "in netns h")
    zero = ("snd_errors", "snd_v1_reports", "snd_v2_reports", "snd_leaves",
            "snd_truncated", "snd_suppressed", "qry_v1", "qry_v2",
            "rcv_badqueries", "rcv_badsum", "rcv_tooshort", "rcv_badreports",
            "rcv_badsrc", "rcv_badhoplimit", "rcv_nora", "rcv_fragments",
            "rcv_nomem", "rcv_unknown")
    for f in FAMS:
        d = c[f.name]
        eq({k: d[k] for k in zero}, {k: 0 for k in zero},
           "%s counters of h that must stay 0" % f)
        eq(d["snd_reports"], d["snd_v3_reports"], "%s snd_reports (sent) "
           "== snd_v3_reports (queued): all v3, none lost" % f)
        check(d["qry_v3"] >= 2 and d["qry_group"] + d["qry_group_source"] >=
              1, "mchost must have seen the bridge's %s general and group("
              "-and-source) queries: %s" % (f, {k: d[k] for k in d if
                                               k.startswith("qry_")}))
        eq(m.proc_iface_state("h0", "h")[f.vcol], f.ver(3),
           "%s of h0" % f.vcol)
    log("counters: %s" % {f.name: port()[f] for f in FAMS})
    tw.check()


if __name__ == "__main__":
    m.main(body)
