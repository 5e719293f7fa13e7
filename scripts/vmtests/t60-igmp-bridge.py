#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t60-igmp-bridge: a Linux bridge (IGMPv3 snooping querier) learns
mchost's memberships exactly as it learns a stock socket host's.

netns sw holds br0 (IGMPv3 querier, fast timers) with port swh to netns h
(mchost joins on h0) and port sws to netns s (a stock host: python sockets
with IP_ADD_SOURCE_MEMBERSHIP / MCAST_JOIN_GROUP + MCAST_BLOCK_SOURCE).
Both hosts hold the same filters on different groups:

  GI  INCLUDE {S1, S2}     then INCLUDE {S2, S4}  (ALLOW{S4} + BLOCK{S1})
  GE  EXCLUDE {S3}         then EXCLUDE {S3, S5}  (BLOCK{S5})
  GA  EXCLUDE {} (ASM)
  and finally a leave of all three.

After each step the bridge's mdb (bridge -d -j mdb show) must hold exactly
the expected entries for the port: a (*,G) entry with filter_mode and the
source list, one (S,G) entry per source (flag "blocked" for EXCLUDE
sources), and nothing after a leave; and the entries of port swh (mchost)
must have the same shape as those of port sws (the stock host).
"""
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, ctl, eq, fail, ip, log, step

S1, S2, S3, S4, S5 = "10.9.0.1", "10.9.0.2", "10.9.0.3", "10.9.0.4", \
    "10.9.0.5"
# The same roles on both hosts; different groups so their entries differ.
GROUPS = {"h": {"GI": "232.2.2.1", "GE": "239.2.2.2", "GA": "239.2.2.3"},
          "s": {"GI": "232.1.1.1", "GE": "239.1.1.2", "GA": "239.1.1.3"}}
PORT = {"h": "swh", "s": "sws"}
H_ADDR, S_ADDR = "192.168.9.1", "192.168.9.2"

IP_ADD_SOURCE_MEMBERSHIP, IP_DROP_SOURCE_MEMBERSHIP = 39, 40
MCAST_JOIN_GROUP, MCAST_BLOCK_SOURCE = 42, 43


def sockaddr_in(addr):
    """struct sockaddr_storage holding an AF_INET address (128 bytes)."""
    return struct.pack("@H2x4s", socket.AF_INET, socket.inet_aton(addr)) + \
        b"\0" * 120


def group_req(ifidx, group):
    return struct.pack("@I4x", ifidx) + sockaddr_in(group)


def group_source_req(ifidx, group, source):
    return struct.pack("@I4x", ifidx) + sockaddr_in(group) + \
        sockaddr_in(source)


def mreq_source(group, iface, source):
    return socket.inet_aton(group) + socket.inet_aton(iface) + \
        socket.inet_aton(source)


class StockHost:
    """The stock stack's joins in netns s, one socket per group."""

    def __init__(self):
        self.idx = m.ifindex("s0", "s")
        with m.in_netns("s"):
            self.si = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.se = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sa = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        g = GROUPS["s"]
        for src in (S1, S2):
            self.si.setsockopt(socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP,
                               mreq_source(g["GI"], S_ADDR, src))
        self.se.setsockopt(socket.IPPROTO_IP, MCAST_JOIN_GROUP,
                           group_req(self.idx, g["GE"]))
        self.se.setsockopt(socket.IPPROTO_IP, MCAST_BLOCK_SOURCE,
                           group_source_req(self.idx, g["GE"], S3))
        self.sa.setsockopt(socket.IPPROTO_IP, MCAST_JOIN_GROUP,
                           group_req(self.idx, g["GA"]))

    def change(self):
        g = GROUPS["s"]
        self.si.setsockopt(socket.IPPROTO_IP, IP_DROP_SOURCE_MEMBERSHIP,
                           mreq_source(g["GI"], S_ADDR, S1))
        self.si.setsockopt(socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP,
                           mreq_source(g["GI"], S_ADDR, S4))
        self.se.setsockopt(socket.IPPROTO_IP, MCAST_BLOCK_SOURCE,
                           group_source_req(self.idx, g["GE"], S5))

    def leave(self):
        for s in (self.si, self.se, self.sa):
            s.close()


def expected(host, state):
    g = GROUPS[host]
    if state == "joined":
        return m.mdb_expect(g["GI"], "include", [S1, S2]) | \
            m.mdb_expect(g["GE"], "exclude", [S3]) | \
            m.mdb_expect(g["GA"], "exclude")
    if state == "changed":
        return m.mdb_expect(g["GI"], "include", [S2, S4]) | \
            m.mdb_expect(g["GE"], "exclude", [S3, S5]) | \
            m.mdb_expect(g["GA"], "exclude")
    return set()


def shapes():
    e = m.mdb_entries("sw")
    return {h: m.mdb_shape(e, PORT[h], set(GROUPS[h].values()))
            for h in ("h", "s")}


def roles(host, shape):
    """Replace the host's groups by their role names (for the diff)."""
    inv = {v: k for k, v in GROUPS[host].items()}
    return {(inv[t[0]],) + t[1:] for t in shape}


def wait_state(state, timeout, what):
    exp = {h: expected(h, state) for h in ("h", "s")}
    t0 = time.monotonic()
    last = [None]

    def ok():
        last[0] = shapes()
        return last[0] == exp
    try:
        m.wait_for(ok, timeout, what, interval=0.25)
    except m.TestFail:
        got = last[0]
        # The differential first: does mchost differ from the stock host?
        msg = []
        if roles("h", got["h"]) != roles("s", got["s"]):
            msg.append("mchost's port (swh) and the stock host's port (sws) "
                       "differ (by role):\n  swh only: %s\n  sws only: %s" %
                       (sorted(roles("h", got["h"]) - roles("s", got["s"]),
                               key=str),
                        sorted(roles("s", got["s"]) - roles("h", got["h"]),
                               key=str)))
        for h in ("h", "s"):
            if got[h] != exp[h]:
                msg.append("port %s (%s): missing %s, unexpected %s" % (
                    PORT[h], "mchost" if h == "h" else "stock host",
                    sorted(exp[h] - got[h], key=str),
                    sorted(got[h] - exp[h], key=str)))
        fail("%s: bridge mdb not as expected after %.0fs\n%s\nfull mdb:\n%s"
             % (what, timeout, "\n".join(msg),
                m.run(["bridge", "-n", "sw", "-d", "mdb", "show", "dev",
                       "br0"]).stdout))
    log("%s: mdb as expected after %.1fs" % (what, time.monotonic() - t0))


def check_timers():
    """Source timers of the (*,G) entries: running (> 0) for INCLUDE
    sources, 0 for the EXCLUDE (blocked) ones, on both ports."""
    got, want = {}, {}
    for e in m.mdb_entries("sw"):
        for h in ("h", "s"):
            g = GROUPS[h]
            if e.get("port") != PORT[h] or e.get("src") or \
                    e["grp"] not in (g["GI"], g["GE"]):
                continue
            role = "GI" if e["grp"] == g["GI"] else "GE"
            for s in e.get("source_list", []):
                got[(h, role, s["address"])] = float(s["timer"]) > 0
    for h in ("h", "s"):
        want.update({(h, "GI", S1): True, (h, "GI", S2): True,
                     (h, "GE", S3): False})
    eq(got, want, "source timers running (True) or 0 (False) in the (*,G) "
       "entries' source lists")


def xstats(port):
    """The multicast counters of a bridge port (ip -j link xstats)."""
    r = ip(["-j", "link", "xstats", "type", "bridge_slave", "dev", port],
           ns="sw")
    for blk in json.loads(r.stdout):
        if blk.get("ifname") == port and "multicast" in blk:
            return blk["multicast"]
    fail("no multicast xstats for bridge port %s:\n%s" % (port, r.stdout))


def setup():
    for ns in ("sw", "h", "s"):
        m.netns_add(ns)
    ip(["link", "add", "br0", "type", "bridge", "mcast_snooping", "1",
        "mcast_querier", "1", "mcast_igmp_version", "3",
        "mcast_mld_version", "2", "mcast_stats_enabled", "1",
        "mcast_startup_query_interval", "100", "mcast_query_interval", "500",
        "mcast_query_response_interval", "100",
        "mcast_querier_interval", "300"], ns="sw")
    m.veth("swh", "sw", "h0", "h", up=False)
    m.veth("sws", "sw", "s0", "s", up=False)
    ip("link set swh master br0 up", ns="sw")
    ip("link set sws master br0 up", ns="sw")
    ip("link set br0 up", ns="sw")
    ip("addr add %s/24 dev h0" % H_ADDR, ns="h")
    ip("link set h0 up", ns="h")
    ip("addr add %s/24 dev s0" % S_ADDR, ns="s")
    ip("link set s0 up", ns="s")


def body():
    tw = m.TaintWatch()
    m.fresh_module("coalesce_ms=20", "unsolicited_report_interval_ms=300")
    step("setup: bridge querier in sw, mchost host h, stock host s")
    setup()
    idx = m.ifindex("h0", "h")
    gh = GROUPS["h"]

    step("joins: GI INCLUDE{S1,S2}, GE EXCLUDE{S3}, GA ASM on both hosts")
    ctl(m.join_args("h0", gh["GI"], "include", [S1, S2]), ns="h")
    ctl(m.join_args("h0", gh["GE"], "exclude", [S3]), ns="h")
    ctl(m.join_args("h0", gh["GA"]), ns="h")
    stock = StockHost()
    m.expect_members([m.Member("h0", gh["GI"], "include", [S1, S2],
                               ifindex=idx),
                      m.Member("h0", gh["GE"], "exclude", [S3], ifindex=idx),
                      m.Member("h0", gh["GA"], "exclude", ifindex=idx)],
                     ns="h", what="after the joins")
    wait_state("joined", 10, "after the joins")
    check_timers()

    step("the state survives the bridge's general queries (IS_IN/IS_EX)")
    c0 = m.counters("h")["igmp"]
    m.wait_for(lambda: m.counters("h")["igmp"]["qry_general"] >
               c0["qry_general"], 12, "the bridge's next general query",
               interval=0.2)
    # The response comes within Max Resp Time (1 s); the bridge applies it.
    m.wait_for(lambda: m.counters("h")["igmp"]["snd_v3_reports"] >
               c0["snd_v3_reports"], 3, "mchost's response to it",
               interval=0.05)
    time.sleep(0.5)
    eq(shapes(), {h: expected(h, "joined") for h in ("h", "s")},
       "bridge mdb after a general query and its responses")

    step("filter change: GI -> INCLUDE{S2,S4}, GE -> EXCLUDE{S3,S5}")
    ctl(m.join_args("h0", gh["GI"], "include", [S2, S4]), ns="h")
    ctl(m.join_args("h0", gh["GE"], "exclude", [S3, S5]), ns="h")
    stock.change()
    m.expect_members([m.Member("h0", gh["GI"], "include", [S2, S4],
                               ifindex=idx),
                      m.Member("h0", gh["GE"], "exclude", [S3, S5],
                               ifindex=idx),
                      m.Member("h0", gh["GA"], "exclude", ifindex=idx)],
                     ns="h", what="after the filter change")
    wait_state("changed", 10, "after the filter change")

    step("leave: every entry goes")
    for g in gh.values():
        ctl(["leave", "dev", "h0", "group", g], ns="h")
    stock.leave()
    m.expect_members([], ns="h", what="after the leaves")
    wait_state("left", 8, "after the leaves")

    step("counters of h and of the bridge port")
    c = m.counters("h")
    m.check_invariant(c, "in netns h")
    ig = c["igmp"]
    eq({k: ig[k] for k in ("snd_errors", "snd_v1_reports", "snd_v2_reports",
                           "snd_leaves", "snd_truncated", "snd_suppressed",
                           "qry_v1", "qry_v2", "rcv_badqueries",
                           "rcv_badsum", "rcv_tooshort", "rcv_badreports")},
       {k: 0 for k in ("snd_errors", "snd_v1_reports", "snd_v2_reports",
                       "snd_leaves", "snd_truncated", "snd_suppressed",
                       "qry_v1", "qry_v2", "rcv_badqueries", "rcv_badsum",
                       "rcv_tooshort", "rcv_badreports")},
       "igmp counters of h that must stay 0")
    eq(ig["snd_reports"], ig["snd_v3_reports"],
       "snd_reports (sent) == snd_v3_reports (queued): all v3, none lost")
    check(ig["qry_v3"] >= 2 and ig["qry_group"] + ig["qry_group_source"] >= 1,
          "mchost must have seen the bridge's general and group(-and-"
          "source) queries: %s" % {k: ig[k] for k in ig if k.startswith(
              "qry_")})
    xs = xstats("swh")
    log("bridge port swh (mchost) xstats: %s" % xs)
    got = {"igmp_reports_rx_v1": xs["igmp_reports"]["rx_v1"],
           "igmp_reports_rx_v2": xs["igmp_reports"]["rx_v2"],
           "igmp_leaves_rx": xs["igmp_leaves"]["rx"],
           "igmp_parse_errors": xs["igmp_parse_errors"],
           "igmp_reports_rx_v3 >= 6": xs["igmp_reports"]["rx_v3"] >= 6}
    eq(got, {"igmp_reports_rx_v1": 0, "igmp_reports_rx_v2": 0,
             "igmp_leaves_rx": 0, "igmp_parse_errors": 0,
             "igmp_reports_rx_v3 >= 6": True},
       "what the bridge received from mchost (only IGMPv3 reports)")
    eq([ln.split()[4] for ln in m.proc_interfaces("h") if
        ln.startswith("h0 ")], ["3"], "igmp_version of h0 in interfaces")
    tw.check()


if __name__ == "__main__":
    m.main(body)
