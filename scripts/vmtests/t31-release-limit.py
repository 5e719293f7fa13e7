#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t31-release-limit: an owner that goes is never refused, even when the
owners left merge to more sources than max_sources.

max_sources=4. Group 239.31.0.1 on d0: the persistent owner INCLUDE{.1,.2,
.3}, hold owner A EXCLUDE{} (the merge is EXCLUDE{}), hold owner B
INCLUDE{.4,.5} (still EXCLUDE{}). SIGKILL of A: the owners left would merge
to INCLUDE{.1-.5}, 5 sources. The release must still happen: A's owner goes
and the group takes any source, EXCLUDE{}, which holds every owner's
filter. Before the fix the release failed with -E2BIG, was retried every
second for ever, and A stayed an owner bound to its dead socket. Then B
goes: INCLUDE{.1,.2,.3} again. The same for a leave: the persistent
owner EXCLUDE{} leaves two hold owners INCLUDE{.1-.3} and INCLUDE{.4,.5}.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import Member, eq, step

NS, G = "r", "239.31.0.1"
S = ["10.0.0.%d" % i for i in range(1, 6)]


def owners():
    return [ln.split()[-1] for ln in m.proc_groups(NS)[1]]


def body():
    tw = m.TaintWatch()
    m.fresh_module("max_sources=4")
    m.netns_add(NS)
    m.dummy("d0", NS)
    idx = m.ifindex("d0", NS)
    m.ctl(m.join_args("d0", G, "include", S[:3]), ns=NS)
    a = m.spawn([m.CTL] + m.join_args("d0", G, hold=True), ns=NS)
    m.wait_for(lambda: owners() == ["2"], 30, "hold owner A")
    b = m.spawn([m.CTL] + m.join_args("d0", G, "include", S[3:], hold=True),
                ns=NS)
    m.wait_for(lambda: owners() == ["3"], 30, "hold owner B")
    step("SIGKILL of A: its owner goes, the group takes any source")
    a.send_signal(signal.SIGKILL)
    a.wait()
    m.wait_for(lambda: owners() == ["2"], 10, "A's owner to go")
    m.expect_members([Member("d0", G, "exclude", (), 2, idx)], NS,
                     "B and the persistent owner, 5 sources > max_sources")
    step("SIGKILL of B: INCLUDE of the persistent owner's 3 sources")
    b.send_signal(signal.SIGKILL)
    b.wait()
    m.wait_for(lambda: owners() == ["1"], 10, "B's owner to go")
    m.expect_members([Member("d0", G, "include", S[:3], 1, idx)], NS,
                     "the persistent owner alone")
    step("a leave of the persistent owner: never refused either")
    m.ctl(m.join_args("d0", G), ns=NS)             # EXCLUDE{} now
    c = m.spawn([m.CTL] + m.join_args("d0", G, "include", S[:3], hold=True),
                ns=NS)
    m.wait_for(lambda: owners() == ["2"], 30, "hold owner C")
    d = m.spawn([m.CTL] + m.join_args("d0", G, "include", S[3:], hold=True),
                ns=NS)
    m.wait_for(lambda: owners() == ["3"], 30, "hold owner D")
    m.ctl(["leave", "dev", "d0", "group", G], ns=NS)
    m.expect_members([Member("d0", G, "exclude", (), 2, idx)], NS,
                     "C and D after the persistent owner's leave")
    c.send_signal(signal.SIGKILL)
    c.wait()
    m.wait_for(lambda: owners() == ["1"], 10, "C's owner to go")
    m.expect_members([Member("d0", G, "include", S[3:], 1, idx)], NS,
                     "D alone")
    d.send_signal(signal.SIGKILL)
    d.wait()
    m.wait_for(lambda: owners() == [], 10, "D's owner to go")
    eq(m.show_lines(NS), [], "show at the end")
    m.rmmod()
    tw.check()


if __name__ == "__main__":
    m.main(body)
