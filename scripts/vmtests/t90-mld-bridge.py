#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t90-mld-bridge: a Linux bridge (MLDv2 snooping querier) learns mchost's
IPv6 memberships exactly as it learns a stock socket host's.

netns sw holds br0 (MLDv2 + IGMPv3 querier, fast timers, link-local IPv6
address only, so its queries come from fe80::/10) with port swh to netns h
(mchost joins on h0) and port sws to netns s (a stock host: python sockets
with MCAST_JOIN_SOURCE_GROUP / MCAST_JOIN_GROUP + MCAST_BLOCK_SOURCE, struct
group_req / group_source_req for AF_INET6). Both hosts hold the same filters
on different groups:

  GI  INCLUDE {S1, S2}     then INCLUDE {S2, S4}  (ALLOW{S4} + BLOCK{S1})
  GE  EXCLUDE {S3}         then EXCLUDE {S3, S5}  (BLOCK{S5})
  GA  EXCLUDE {} (ASM)
  and finally a leave of all three (BLOCK{S2,S4}, TO_IN{}, TO_IN{}).

After each step the bridge's mdb (bridge -d -j mdb show) must hold exactly
the expected entries for the port: one (*,G) entry with filter_mode and the
source list, one (S,G) entry per source, nothing after a leave. What the
bridge shows for the sources of an EXCLUDE group (measured on 6.1 and 6.12,
and asserted here): they are in the (*,G) entry's source_list with a timer
of 0.00 (an excluded source has no running timer, RFC 9777 §7.2), and each
has an (S,G) entry flagged "blocked"; INCLUDE sources have running timers
and unflagged (S,G) entries. The entries of port swh (mchost) must have
the same shape as those of port sws (the stock host).

Beside them mchost holds one IGMPv3 group (INCLUDE {10.9.0.1}) on the same
device: both engines run side by side, and the bridge learns both.
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, ctl, eq, fail, ip, log, step

S1, S2, S3, S4, S5 = ("2001:db8:9::%d" % i for i in range(1, 6))
# The same roles on both hosts; different groups so their entries differ.
GROUPS = {"h": {"GI": "ff3e::2:1", "GE": "ff0e::2:2", "GA": "ff0e::2:3"},
          "s": {"GI": "ff3e::1:1", "GE": "ff0e::1:2", "GA": "ff0e::1:3"}}
PORT = {"h": "swh", "s": "sws"}
H_ADDR4 = "192.168.9.1"
G4, G4_SRC = "232.9.9.1", "10.9.0.1"


class StockHost:
    """The stock stack's joins in netns s, one socket per group."""

    def __init__(self):
        self.idx = m.ifindex("s0", "s")
        with m.in_netns("s"):
            self.si = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self.se = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self.sa = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        g = GROUPS["s"]
        for src in (S1, S2):
            self.opt(self.si, m.MCAST_JOIN_SOURCE_GROUP,
                     m.group_source_req6(self.idx, g["GI"], src))
        self.opt(self.se, m.MCAST_JOIN_GROUP, m.group_req6(self.idx, g["GE"]))
        self.opt(self.se, m.MCAST_BLOCK_SOURCE,
                 m.group_source_req6(self.idx, g["GE"], S3))
        self.opt(self.sa, m.MCAST_JOIN_GROUP, m.group_req6(self.idx, g["GA"]))

    @staticmethod
    def opt(sk, name, val):
        sk.setsockopt(socket.IPPROTO_IPV6, name, val)

    def change(self):
        g = GROUPS["s"]
        self.opt(self.si, m.MCAST_LEAVE_SOURCE_GROUP,
                 m.group_source_req6(self.idx, g["GI"], S1))
        self.opt(self.si, m.MCAST_JOIN_SOURCE_GROUP,
                 m.group_source_req6(self.idx, g["GI"], S4))
        self.opt(self.se, m.MCAST_BLOCK_SOURCE,
                 m.group_source_req6(self.idx, g["GE"], S5))

    def leave(self):
        for s in (self.si, self.se, self.sa):
            s.close()


def shape(group, mode, sources=()):
    """The mdb entries of one port in state mode{sources} for group: a
    (*,G) entry with the filter mode and the source list (each source with
    its timer running, or stopped at 0 for EXCLUDE), plus one (S,G) entry
    per source (flagged blocked for EXCLUDE)."""
    g = m.canon(group)
    srcs = tuple(m.sort_sources(sources))
    timer = "0" if mode == "exclude" else "running"
    out = {(g, None, mode, tuple((s, timer) for s in srcs), ())}
    for s in srcs:
        out.add((g, s, "include", (), ("blocked",) if mode == "exclude"
                 else ()))
    return out


def mdb_shape(entries, port, groups):
    """Like mclib.mdb_shape6, with each source_list timer reduced to "0"
    (0.00) or "running"."""
    want = {m.canon(g) for g in groups}
    out = set()
    for e in entries:
        if e.get("port") != port or e.get("grp") is None:
            continue
        g = m.canon(e["grp"])
        if g not in want:
            continue
        src = e.get("src")
        sl = tuple(sorted(((m.canon(s["address"]),
                            "0" if float(s["timer"]) == 0 else "running")
                           for s in e.get("source_list", [])),
                          key=lambda x: m.addr_bytes(x[0])))
        out.add((g, m.canon(src) if src else None, e.get("filter_mode"),
                 sl, tuple(sorted(e.get("flags", [])))))
    return out


def expected(host, state):
    g = GROUPS[host]
    if state == "joined":
        return shape(g["GI"], "include", [S1, S2]) | \
            shape(g["GE"], "exclude", [S3]) | shape(g["GA"], "exclude")
    if state == "changed":
        return shape(g["GI"], "include", [S2, S4]) | \
            shape(g["GE"], "exclude", [S3, S5]) | shape(g["GA"], "exclude")
    return set()


def shapes():
    e = m.mdb_entries("sw")
    return {h: mdb_shape(e, PORT[h], GROUPS[h].values()) for h in ("h", "s")}


def roles(host, shp):
    """Replace the host's groups by their role names (for the diff)."""
    inv = {m.canon(v): k for k, v in GROUPS[host].items()}
    return {(inv[t[0]],) + t[1:] for t in shp}


def mdb_text():
    return m.run(["bridge", "-n", "sw", "-d", "mdb", "show", "dev",
                  "br0"]).stdout


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
             % (what, timeout, "\n".join(msg), mdb_text()))
    log("%s: mdb as expected after %.1fs" % (what, time.monotonic() - t0))


def v4_shape():
    return m.mdb_shape(m.mdb_entries("sw"), "swh", {G4})


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
        m.netns_add(ns, ll=True)
    ip(["link", "add", "br0", "type", "bridge", "mcast_snooping", "1",
        "mcast_querier", "1", "mcast_igmp_version", "3",
        "mcast_mld_version", "2", "mcast_stats_enabled", "1",
        "mcast_startup_query_interval", "100", "mcast_query_interval", "500",
        "mcast_query_response_interval", "100",
        "mcast_querier_interval", "300"], ns="sw")
    m.veth("swh", "sw", "h0", "h", up=False)
    m.veth("sws", "sw", "s0", "s", up=False)
    for p in ("swh", "sws"):
        # the ports need no address of their own
        m.sysctl("sw", "net.ipv6.conf.%s.addr_gen_mode" % p, 1)
        ip("link set %s master br0 up" % p, ns="sw")
    ip("link set br0 up", ns="sw")
    ip("addr add %s/24 dev h0" % H_ADDR4, ns="h")
    ip("link set h0 up", ns="h")
    ip("link set s0 up", ns="s")
    for ns, dev in (("sw", "br0"), ("h", "h0"), ("s", "s0")):
        m.wait_for(lambda ns=ns, dev=dev: ll_addr(dev, ns), 5,
                   "a link-local address on %s (netns %s)" % (dev, ns))
    r = ip(["-j", "-6", "addr", "show", "dev", "br0"], ns="sw")
    addrs = [a["local"] for blk in json.loads(r.stdout)
             for a in blk.get("addr_info", [])]
    check(all(a.startswith("fe80:") for a in addrs),
          "br0 must have only a link-local IPv6 address (its MLD queries "
          "must come from fe80::/10): %s" % addrs)


def ll_addr(dev, ns):
    r = ip(["-j", "-6", "addr", "show", "dev", dev, "scope", "link"], ns=ns)
    for blk in json.loads(r.stdout):
        for a in blk.get("addr_info", []):
            if "tentative" not in a:
                return a["local"]
    return None


def body():
    tw = m.TaintWatch()
    m.fresh_module("coalesce_ms=20", "unsolicited_report_interval_ms=300")
    step("setup: bridge querier in sw, mchost host h, stock host s")
    setup()
    idx = m.ifindex("h0", "h")
    gh = GROUPS["h"]
    log("mdb before the joins:\n%s" % mdb_text())

    step("joins: GI INCLUDE{S1,S2}, GE EXCLUDE{S3}, GA ASM on both hosts; "
         "IGMPv3 %s INCLUDE{%s} beside" % (G4, G4_SRC))
    ctl(m.join_args("h0", gh["GI"], "include", [S1, S2]), ns="h")
    ctl(m.join_args("h0", gh["GE"], "exclude", [S3]), ns="h")
    ctl(m.join_args("h0", gh["GA"]), ns="h")
    ctl(m.join_args("h0", G4, "include", [G4_SRC]), ns="h")
    stock = StockHost()
    mem6 = [m.Member("h0", gh["GI"], "include", [S1, S2], ifindex=idx),
            m.Member("h0", gh["GE"], "exclude", [S3], ifindex=idx),
            m.Member("h0", gh["GA"], "exclude", ifindex=idx)]
    mem4 = [m.Member("h0", G4, "include", [G4_SRC], ifindex=idx)]
    m.expect_members(mem6 + mem4, ns="h", what="after the joins")
    wait_state("joined", 10, "after the joins")
    log("mdb after the joins:\n%s" % mdb_text())
    m.wait_for(lambda: v4_shape() == m.mdb_expect(G4, "include", [G4_SRC]),
               10, "the bridge to learn IGMPv3 %s INCLUDE{%s} on swh" %
               (G4, G4_SRC), interval=0.25)
    eq([ln for ln in m.proc_interfaces("h") if ln.startswith("h0 ")],
       [m.iface_proc_line("h0", idx, 1, 1500, 1, 3)],
       "h0 in interfaces of h (IGMPv3, MLDv2, 1 + 3 groups)")

    step("the state survives the bridge's general queries (IS_IN/IS_EX)")
    c0 = m.counters("h")["mld"]
    m.wait_for(lambda: m.counters("h")["mld"]["qry_general"] >
               c0["qry_general"], 12, "the bridge's next MLD general query",
               interval=0.2)
    # The response comes within Max Resp Delay (1 s); the bridge applies it.
    m.wait_for(lambda: m.counters("h")["mld"]["snd_v3_reports"] >
               c0["snd_v3_reports"], 3, "mchost's MLDv2 response to it",
               interval=0.05)
    time.sleep(0.5)
    eq(shapes(), {h: expected(h, "joined") for h in ("h", "s")},
       "bridge mdb after a general query and its responses")
    eq(v4_shape(), m.mdb_expect(G4, "include", [G4_SRC]),
       "bridge mdb of the IGMPv3 group after the general queries")

    step("filter change: GI -> INCLUDE{S2,S4}, GE -> EXCLUDE{S3,S5}")
    ctl(m.join_args("h0", gh["GI"], "include", [S2, S4]), ns="h")
    ctl(m.join_args("h0", gh["GE"], "exclude", [S3, S5]), ns="h")
    stock.change()
    mem6 = [m.Member("h0", gh["GI"], "include", [S2, S4], ifindex=idx),
            m.Member("h0", gh["GE"], "exclude", [S3, S5], ifindex=idx),
            m.Member("h0", gh["GA"], "exclude", ifindex=idx)]
    m.expect_members(mem6 + mem4, ns="h", what="after the filter change")
    wait_state("changed", 10, "after the filter change")
    log("mdb after the change:\n%s" % mdb_text())

    step("leave: every IPv6 entry goes, the IGMPv3 one stays")
    for g in gh.values():
        ctl(["leave", "dev", "h0", "group", g], ns="h")
    stock.leave()
    m.expect_members(mem4, ns="h", what="after the IPv6 leaves")
    wait_state("left", 8, "after the leaves")
    eq(v4_shape(), m.mdb_expect(G4, "include", [G4_SRC]),
       "bridge mdb of the IGMPv3 group after the IPv6 leaves")
    ctl(["leave", "dev", "h0", "group", G4], ns="h")
    m.wait_for(lambda: v4_shape() == set(), 8,
               "the IGMPv3 entry to go after its leave", interval=0.25)

    step("counters of h and of the bridge port")
    c = m.counters("h")
    m.check_invariant(c, "in netns h")
    ml = c["mld"]
    zero = ("snd_errors", "snd_v1_reports", "snd_v2_reports", "snd_leaves",
            "snd_truncated", "snd_suppressed", "qry_v1", "qry_v2",
            "rcv_badqueries", "rcv_badsum", "rcv_tooshort", "rcv_badreports",
            "rcv_badsrc", "rcv_badhoplimit", "rcv_nora", "rcv_fragments",
            "rcv_nomem", "rcv_unknown")
    eq({k: ml[k] for k in zero}, {k: 0 for k in zero},
       "mld counters of h that must stay 0")
    eq(ml["snd_reports"], ml["snd_v3_reports"],
       "mld snd_reports (sent) == snd_v3_reports (queued): all v2, none lost")
    check(ml["qry_v3"] >= 2 and ml["qry_group"] + ml["qry_group_source"] >= 1,
          "mchost must have seen the bridge's MLDv2 general and "
          "address(-and-source)-specific queries: %s" %
          {k: ml[k] for k in ml if k.startswith("qry_")})
    ig = c["igmp"]
    check(ig["snd_v3_reports"] >= 2 and ig["snd_errors"] == 0,
          "the IGMP engine must have sent IGMPv3 reports beside: %s" %
          {k: ig[k] for k in ig if k.startswith("snd_")})
    xs = xstats("swh")
    log("bridge port swh (mchost) xstats: %s" % xs)
    got = {"mld_reports_rx_v1": xs["mld_reports"]["rx_v1"],
           "mld_leaves_rx": xs["mld_leaves"]["rx"],
           "mld_parse_errors": xs["mld_parse_errors"],
           "mld_reports_rx_v2 >= 6": xs["mld_reports"]["rx_v2"] >= 6,
           "igmp_parse_errors": xs["igmp_parse_errors"]}
    eq(got, {"mld_reports_rx_v1": 0, "mld_leaves_rx": 0,
             "mld_parse_errors": 0, "mld_reports_rx_v2 >= 6": True,
             "igmp_parse_errors": 0},
       "what the bridge received from mchost (only MLDv2 reports)")
    eq(m.mld_version("h0", "h"), 2, "mld_version of h0 in interfaces")
    tw.check()


if __name__ == "__main__":
    m.main(body)
