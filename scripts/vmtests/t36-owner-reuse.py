#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t36-owner-reuse: a closed socket's memberships are released, and only
its own, even when a new socket took its netlink port meanwhile; and a
release that runs out of memory is retried until it is done.

Uses the test build (MCHOST_TESTING): release_delay_ms holds the release
of a closed socket after its port was freed, which is the window in which
a new socket can bind that port and join; fail_merges makes owners'
merges fail with -ENOMEM.
"""
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import check, eq, step

KO = os.path.join(os.path.dirname(os.environ["MCHOST_KO"]), "testing",
                  "mchost.ko")


def groups(g):
    """{group: (filter mode, sources, owners)} from the kernel's dump."""
    out = {}
    for attrs in g.dump(m.MCHOST_CMD_GET_GROUP):
        a = dict(attrs)
        srcs = tuple(sorted(m.addr_text(v) for t, v in
                            m.nla_parse(a.get(m.A_SOURCES, b""))))
        out[m.addr_text(a[m.A_GROUP])] = (
            a[m.A_FMODE][0], srcs, struct.unpack("=I", a[m.A_OWNERS])[0])
    return out


def genl_on_port(port, family):
    """A Genl client whose socket is bound to netlink port `port`."""
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, m.NETLINK_GENERIC)
    sk.bind((port, 0))
    sk.setsockopt(m.SOL_NETLINK, m.NETLINK_EXT_ACK, 1)
    sk.setsockopt(m.SOL_NETLINK, m.NETLINK_CAP_ACK, 1)
    g = m.Genl(name=None)
    g.sk.close()
    g.sk, g.family = sk, family
    return g


def test():
    check(os.path.exists(KO), "no test build at %s (make modules-all)" % KO)
    m.run(["insmod", KO])
    m.dummy("d0")
    idx = m.ifindex("d0")
    EX, IN = m.MCHOST_FMODE_EXCLUDE, m.MCHOST_FMODE_INCLUDE

    step("a new socket takes the port of one being released")
    m.write_param("release_delay_ms", "1500")
    old = m.Genl()
    port, family = old.sk.getsockname()[0], old.family
    eq(m.genl_join(old, idx, "232.1.1.1", persistent=False)[0], 0,
       "join by the old socket")
    closer = threading.Thread(target=old.close)
    closer.start()
    time.sleep(0.3)     # its port is free, its release is held
    new = genl_on_port(port, family)
    eq(m.genl_join(new, idx, "232.1.1.2", persistent=False)[0], 0,
       "join by the new socket on the same port")
    eq(m.genl_join(new, idx, "232.1.1.1", IN, ["10.0.0.1"],
                   persistent=False)[0], 0,
       "the new socket's own filter of the old socket's group")
    eq(groups(new)["232.1.1.1"], (EX, (), 2),
       "both sockets own 232.1.1.1 while the old one is released")
    closer.join()
    eq(groups(new), {"232.1.1.1": (IN, ("10.0.0.1",), 1),
                     "232.1.1.2": (EX, (), 1)},
       "after the old socket's release: the new socket's memberships only")
    new.close()
    m.write_param("release_delay_ms", "0")
    probe = m.Genl()
    m.wait_for(lambda: not groups(probe), 5, "the new socket's release")

    step("a release that runs out of memory is retried")
    g = m.Genl()
    eq(m.genl_join(g, idx, "232.1.1.3", persistent=False)[0], 0, "join")
    m.write_param("fail_merges", "2")
    g.close()
    m.wait_for(lambda: not groups(probe), 10,
               "the release retried after two failed merges")
    with open(os.path.join(m.PARAMS, "fail_merges")) as f:
        eq(f.read().strip(), "0", "both failures were used")
    probe.close()
    m.rmmod()


if __name__ == "__main__":
    m.main(test)
