#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t53-show-timers: `mchostctl -d show` gives each membership's report timers.

On dummy d0 (IGMPv3, RV 2, Unsolicited Report Interval 1 s): after a join,
rtx_left is 2 less the v3 reports sent (read while none leaves), with the
next report within 1 s while one is to come; once both have gone, none is
to come and no next report; the last report is never older than the join.
With -j -d the same keys; without -d neither text nor JSON has them. The
exact values over a fake clock, query responses included, are KUnit's
(mchost_engine_timers).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, eq, step

NS, G = "tm", "239.53.0.1"
LINE = re.compile(r"^dev d0 group %s mode exclude owners 1 rtx_left (\d+)"
                  r"( next_report_ms (\d+))?( last_report_ms (\d+))?$" %
                  re.escape(G))


def timers():
    """(rtx_left, next_report_ms or None, last_report_ms or None)."""
    out = m.ctl(["-d", "show"], ns=NS).stdout.splitlines()
    eq(len(out), 1, "`-d show` lines: %r" % out)
    mt = LINE.match(out[0])
    check(mt, "`-d show`: %r" % out[0])
    nxt = int(mt.group(3)) if mt.group(3) else None
    last = int(mt.group(5)) if mt.group(5) else None
    return int(mt.group(1)), nxt, last


def snapshot():
    """(v3 reports sent so far, timers()), read while no report left."""
    for _ in range(20):
        c0 = m.read_counters("igmp", NS)["snd_v3_reports"]
        t = timers()
        if m.read_counters("igmp", NS)["snd_v3_reports"] == c0:
            return c0, t
    m.fail("the reports never stood still around `-d show`")


def test():
    m.fresh_module()
    m.netns_add(NS)
    m.dummy("d0", NS)
    base = m.read_counters("igmp", NS)["snd_v3_reports"]
    t0 = time.monotonic()
    m.ctl(["join", "dev", "d0", "group", G], ns=NS)
    step("after the join: RV 2 transmissions, rtx_left the rest")
    # The retransmission comes at random within 1 s, maybe before the read.
    sent, (rtx, nxt, last) = snapshot()
    el = (time.monotonic() - t0) * 1000
    sent -= base
    check(sent in (1, 2), "v3 reports sent after the join: %d" % sent)
    eq(rtx, 2 - sent, "rtx_left after %d of 2 transmissions" % sent)
    if rtx:
        check(nxt is not None and nxt <= 1000,
              "next_report_ms within the 1 s interval: %r" % nxt)
    else:
        eq(nxt, None, "next_report_ms with nothing to come")
    check(last is not None and last <= el + 1,
          "last_report_ms %r at most the %.0f ms since the join" %
          (last, el))

    step("after the retransmission: nothing to come")
    m.wait_for(lambda: m.read_counters("igmp", NS)["snd_v3_reports"] ==
               base + 2, 30, "the retransmission")
    sent, (rtx, nxt, last) = snapshot()
    el = (time.monotonic() - t0) * 1000
    eq((sent - base, rtx, nxt), (2, 0, None),
       "reports sent, rtx_left and next_report_ms after the retransmission")
    check(last is not None and last <= el + 1,
          "last_report_ms %r at most the %.0f ms since the join" %
          (last, el))

    step("-j -d has the keys; without -d neither text nor JSON has them")
    js = m.ctl_json(["-d", "show"], ns=NS)
    eq(sorted(js[0]), sorted(["ifindex", "ifname", "grp", "filter_mode",
                              "source_list",
                              "owners", "rtx_left", "last_report_ms"]),
       "-j -d show: keys")
    eq(js[0]["rtx_left"], 0, "-j -d show: rtx_left")
    eq(m.show_lines(NS), ["dev d0 group %s mode exclude" % G], "show")
    eq(sorted(m.ctl_json(["show"], ns=NS)[0]),
       sorted(["ifindex", "ifname", "grp", "filter_mode", "source_list",
               "owners"]),
       "-j show: keys")
    m.ctl(["leave", "dev", "d0", "group", G], ns=NS)
    m.rmmod()


if __name__ == "__main__":
    m.main(test)
