#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t31-release-limit (FAILS: module bug, not in the suite yet): a killed
`hold` owner must be released even when the merged filter of the owners
left has more sources than max_sources.

max_sources=4. Group 239.31.0.1 on d0: the persistent owner INCLUDE{.1,.2,
.3}, hold owner A EXCLUDE{} (the merge is EXCLUDE{}), hold owner B
INCLUDE{.4,.5} (still EXCLUDE{}). SIGKILL of A: the owners left merge to
INCLUDE{.1-.5}, 5 sources. mchost_group_release_dead() gets -E2BIG from
the merge, reports it as -ENOMEM ("no memory to release port ...") and
retries every second, forever: A's owner stays bound to its dead socket
and the group stays EXCLUDE{}. The same happens after max_sources is
lowered below a merge that the release would produce.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import mclib as m
from mclib import step

NS, G = "r", "239.31.0.1"


def owners():
    return [ln.split()[-1] for ln in m.proc_groups(NS)[1]]


def body():
    m.fresh_module("max_sources=4")
    m.netns_add(NS)
    m.dummy("d0", NS)
    m.ctl(m.join_args("d0", G, "include", ["10.0.0.1", "10.0.0.2",
                                           "10.0.0.3"]), ns=NS)
    a = m.spawn([m.CTL] + m.join_args("d0", G, hold=True), ns=NS)
    m.wait_for(lambda: owners() == ["2"], 30, "hold owner A")
    b = m.spawn([m.CTL] + m.join_args("d0", G, "include",
                                      ["10.0.0.4", "10.0.0.5"], hold=True),
                ns=NS)
    m.wait_for(lambda: owners() == ["3"], 30, "hold owner B")
    step("SIGKILL of A: its owner must go")
    a.send_signal(signal.SIGKILL)
    a.wait()
    time.sleep(3)           # three release retries
    m.eq(owners(), ["2"], "owners of %s 3 s after A was killed (%s)" %
         (G, m.proc_groups(NS)[1]))
    b.send_signal(signal.SIGKILL)
    b.wait()


if __name__ == "__main__":
    m.main(body)
