#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t52-monitor: the "monitor" multicast group and `mchostctl monitor`.

Three monitors in netns "mon" (root text, root -j, and uid 65534 text) and
one in netns "other" see, line for line, each membership change on h0:
join, change, a hold owner's join and SIGKILL (owner-gone), leave, and the
device's deletion (device-gone, for the membership it still had); and each
compatibility-mode change, from a querier (IGMPv2, MLDv1 queries: the
receive hook's softirq path) and from `set` (process context). The monitor
in "other" sees none of them, only its own namespace's change. Nothing
else is printed, and nothing on stderr.
"""
import json
import os
import queue
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import eq, step

NS, PEER, OTHER = "mon", "monpeer", "monother"
H4, P4 = "192.0.2.10", "192.0.2.20"
H_LL, P_LL = "fe80::10", "fe80::20"
G4, G6, SYNC = "239.1.1.1", "ff0e::52", "239.0.0.99"
S = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
UNPRIV = ["setpriv", "--reuid", "65534", "--regid", "65534",
          "--clear-groups"]


class Monitor:
    """A running `mchostctl monitor`; its lines arrive on a queue."""

    def __init__(self, name, ns, json_out=False, pre=()):
        self.name, self.json = name, json_out
        args = list(pre) + [m.CTL] + (["-j"] if json_out else []) + \
            ["monitor"]
        self.p = m.spawn(args, ns=ns, bufsize=1)
        self.q = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))

    def line(self, timeout):
        try:
            ln = self.q.get(timeout=timeout)
        except queue.Empty:
            return None
        return json.loads(ln) if self.json else ln

    def drain(self):
        while self.line(0) is not None:
            pass

    def expect(self, want, what):
        """The next len(want) lines are exactly want."""
        got = []
        for _ in want:
            ln = self.line(30)
            if ln is None:
                break
            got.append(ln)
        eq(got, want, "%s: %s" % (self.name, what))

    def expect_quiet(self, what, wait=1.0):
        eq(self.line(wait), None, "%s: nothing more %s" % (self.name, what))

    def stop(self):
        eq(self.p.poll(), None, "%s still running" % self.name)
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)
        eq(self.p.stderr.read(), "", "%s: stderr" % self.name)


def as_json(text, idx):
    """The -j object of a text line: event, then show's keys."""
    w = text.split()
    o = {"event": w[0], "ifindex": idx, "ifname": w[2]}
    if w[0] == "compat":
        o[w[3]] = int(w[4])
        return o
    o["grp"] = w[4]
    o["filter_mode"] = w[6]
    o["source_list"] = [{"address": w[i + 1]}
                        for i in range(7, len(w) - 2, 2) if w[i] == "source"]
    o["owners"] = int(w[-1])
    return o


def sync(mons, ns, dev):
    """Wait until every monitor has joined the group: a join of SYNC that
    each of them prints; then its leave, and empty queues."""
    for _ in range(100):
        m.ctl(["join", "dev", dev, "group", SYNC], ns=ns)
        seen = all(mon.line(1.0) is not None for mon in mons)
        m.ctl(["leave", "dev", dev, "group", SYNC], ns=ns)
        if seen:
            break
    else:
        m.fail("the monitors never printed the sync join")
    time.sleep(0.5)
    for mon in mons:
        mon.drain()


def expect_all(mons, idx, lines, what):
    for mon in mons:
        mon.expect([as_json(ln, idx) for ln in lines] if mon.json else lines,
                   what)


def test():
    m.fresh_module()
    for ns in (NS, PEER, OTHER):
        m.netns_add(ns)
    m.veth("h0", NS, "p0", PEER)
    m.ip("addr add %s/24 dev h0" % H4, ns=NS)
    m.ip("addr add %s/64 dev h0 nodad" % H_LL, ns=NS)
    m.ip("addr add %s/24 dev p0" % P4, ns=PEER)
    m.ip("addr add %s/64 dev p0 nodad" % P_LL, ns=PEER)
    m.dummy("d1", OTHER)
    idx = m.ifindex("h0", NS)
    peer = m.L2Sender("p0", PEER)

    step("monitors: root text, root JSON, uid 65534; and one in %s" % OTHER)
    mons = [Monitor("monitor", NS), Monitor("monitor -j", NS, True),
            Monitor("monitor as uid 65534", NS, pre=UNPRIV)]
    other = Monitor("monitor in %s" % OTHER, OTHER)
    sync(mons, NS, "h0")
    sync([other], OTHER, "d1")

    step("join, change, a hold owner, its SIGKILL, leave")
    m.ctl(["join", "dev", "h0", "group", G4], ns=NS)
    expect_all(mons, idx, ["join dev h0 group %s mode exclude owners 1" % G4],
               "a join")
    m.ctl(m.join_args("h0", G4, "include", S[:2]), ns=NS)
    expect_all(mons, idx, ["change dev h0 group %s mode include source %s "
                           "source %s owners 1" % (G4, S[0], S[1])],
               "the same owner's new filter")
    hold = m.spawn([m.CTL] + m.join_args("h0", G4, "include", S[2:],
                                         hold=True), ns=NS)
    expect_all(mons, idx, ["join dev h0 group %s mode include source %s "
                           "source %s source %s owners 2" % (G4, *S)],
               "a hold owner's join: the merged filter")
    hold.send_signal(signal.SIGKILL)
    hold.wait()
    expect_all(mons, idx, ["owner-gone dev h0 group %s mode include source "
                           "%s source %s owners 1" % (G4, S[0], S[1])],
               "the hold owner killed")
    m.ctl(["leave", "dev", "h0", "group", G4], ns=NS)
    expect_all(mons, idx, ["leave dev h0 group %s mode include owners 0" % G4],
               "the last owner's leave")
    m.ctl(["join", "dev", "h0", "group", G6], ns=NS)
    expect_all(mons, idx, ["join dev h0 group %s mode exclude owners 1" % G6],
               "an MLD join")

    step("compatibility modes: from queriers, and from set")
    peer.send(m.frame4(m.ipv4(P4, "224.0.0.1",
                              m.igmp_v12(0x11, 100, "0.0.0.0"))))
    expect_all(mons, idx, ["compat dev h0 igmp_version 2"],
               "an IGMPv2 querier")
    m.ctl(["set", "dev", "h0", "igmp_version", "1"], ns=NS)
    expect_all(mons, idx, ["compat dev h0 igmp_version 1"],
               "set igmp_version 1")
    # The v2 querier is still present (RV·QI + QRI, 260 s): back to 2.
    m.ctl(["set", "dev", "h0", "igmp_version", "default"], ns=NS)
    expect_all(mons, idx, ["compat dev h0 igmp_version 2"],
               "set igmp_version default")
    m.ctl(["set", "dev", "h0", "robustness", "3"], ns=NS)
    peer.send(m.frame6(m.ipv6(P_LL, "ff02::1", 58,
                              m.mld_v1(P_LL, "ff02::1", 130, "::",
                                       mrd=10000))))
    expect_all(mons, idx, ["compat dev h0 mld_version 1"],
               "an MLDv1 querier (a robustness setting is no mode change)")

    step("the device goes: its membership with it")
    peer.close()
    m.ip("link del h0", ns=NS)
    expect_all(mons, idx, ["device-gone dev h0 group %s mode include "
                           "owners 0" % G6], "h0 deleted")

    step("%s: only its own change" % OTHER)
    m.ctl(["join", "dev", "d1", "group", G4], ns=OTHER)
    other.expect(["join dev d1 group %s mode exclude owners 1" % G4],
                 "its own join")
    for mon in mons + [other]:
        mon.expect_quiet("at the end")
        mon.stop()
    m.rmmod()


if __name__ == "__main__":
    m.main(test)
