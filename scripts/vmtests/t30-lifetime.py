#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t30-lifetime: privileges, owners (hold vs persistent), device, netns and
module removal with memberships present, 50 insmod/rmmod cycles.
"""
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import Member, check, ctl, ctl_error, eq, ip, join_args, log, step

NS = "h"
DEV0 = "mct0"          # dummy in the init netns: survives everything


def unpriv_prefix():
    """setpriv prefix + a copy of mchostctl that uid 65534 can execute."""
    # Not under $TMPDIR: the runner makes it 0700, which uid 65534 inside
    # its own user namespace cannot traverse.
    d = tempfile.mkdtemp(prefix="mchost-t30-", dir="/run")
    os.chmod(d, 0o755)
    b = os.path.join(d, "mchostctl")
    shutil.copy(m.CTL, b)
    os.chmod(b, 0o755)
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", b]


def hold(dev, group, ns=NS, mode=None, sources=()):
    return m.spawn([m.CTL] + join_args(dev, group, mode, sources, hold=True),
                   ns=ns)


def wait_show(expected, ns=NS, what="", timeout=5):
    """Poll `show` until it equals the expected Member list."""
    want = sorted(x.show_line() for x in expected)
    last = [None]

    def ok():
        last[0] = m.show_lines(ns)
        return last[0] == want
    end = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > end:
            eq(last[0], want, "%s (after waiting %ss)" % (what, timeout))
        time.sleep(0.05)
    m.expect_members(expected, ns, what)


def kill(p, sig=signal.SIGKILL):
    p.send_signal(sig)
    try:
        p.wait(10)
    except Exception:
        m.fail("hold process %d did not exit after signal %d" % (p.pid, sig))


def alive(p, what):
    if p.poll() is not None:
        m.fail("%s: the hold process exited (status %s): %s" %
               (what, p.returncode, p.stderr.read()))


def link_gone(dev, ns):
    return ip(["link", "show", "dev", dev], ns=ns, check=False).returncode != 0


def body():
    tw = m.TaintWatch()
    m.fresh_module()
    m.netns_add(NS)
    m.netns_add("p")
    m.veth("h0", NS, "p0", "p", up=False)
    m.sysctl("p", "net.ipv6.conf.p0.disable_ipv6", 1)
    ip("link set p0 up", ns="p")
    ip("link set h0 up", ns=NS)
    idx = {"h0": m.ifindex("h0", NS)}

    def M(dev, group, mode, sources=(), owners=1):
        return Member(dev, group, mode, sources, owners, idx[dev])

    step("unprivileged (uid 65534, no capabilities): join/leave EPERM")
    U = unpriv_prefix()
    caps = m.run(U[:-1] + ["grep", "^CapEff:", "/proc/self/status"]).stdout
    eq(caps.split(), ["CapEff:", "0000000000000000"],
       "setpriv must leave no effective capabilities")
    GP = "239.30.0.1"
    ctl(join_args("h0", GP, "exclude", ["10.0.0.1"]), ns=NS)
    base = [M("h0", GP, "exclude", ["10.0.0.1"])]
    m.expect_members(base, NS, "root's persistent join")
    for args in (join_args("h0", "239.30.0.2"),
                 join_args("h0", GP, "include", ["10.0.0.5"]),
                 join_args("h0", "ff3e::30:1"),
                 join_args("h0", "239.30.0.3", hold=True),
                 ["leave", "dev", "h0", "group", GP],
                 ["leave", "dev", "h0", "group", "239.30.0.9"]):
        ctl_error(args, ns=NS, pre=U, msg="Operation not permitted")
    r = ctl(["-b", "-"], ns=NS, pre=U, check=False,
            input="join dev h0 group 239.30.0.4\nleave dev h0 group %s\n" % GP)
    eq(r.returncode, 1, "exit status of an unprivileged batch")
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    check(len(err) == 2 and all("Operation not permitted" in e for e in err)
          and err[0].startswith("Error: line 1: ")
          and err[1].startswith("Error: line 2: "),
          "unprivileged batch errors: %r" % r.stderr)
    m.expect_members(base, NS, "after the unprivileged attempts")
    step("unprivileged: show, ifaces and stats work and match root's")
    for args in (["show"], ["show", "dev", "h0"], ["ifaces"],
                 ["ifaces", "dev", "h0"], ["stats"]):
        for j in (False, True):
            ru = ctl(args, ns=NS, pre=U, json_out=j)
            rr = ctl(args, ns=NS, json_out=j)
            eq(sorted(ru.stdout.splitlines()), sorted(rr.stdout.splitlines()),
               "unprivileged vs root `mchostctl %s%s`" %
               ("-j " if j else "", " ".join(args)))
    ctl(["leave", "dev", "h0", "group", GP], ns=NS)
    m.expect_members([], NS, "after root's leave")

    step("unprivileged user in its own user+net namespace may join there")
    b = U[-1]
    script = ("ip link add d0 type dummy && ip link set d0 multicast on up && "
              "{b} join dev d0 group 239.30.1.1 source 10.0.0.1 && "
              "{b} show && cat /proc/net/mchost/groups && "
              "{b} leave dev d0 group 239.30.1.1 && {b} show").format(b=b)
    r = m.run(U[:-1] + ["unshare", "-Urn", "sh", "-c", script], check=False)
    eq((r.returncode, r.stdout.splitlines(), r.stderr.strip()),
       (0, ["dev d0 group 239.30.1.1 mode include source 10.0.0.1",
            "dev group mode sources owners",
            "d0 239.30.1.1 include 10.0.0.1 1"], ""),
       "uid 65534 in `unshare -Urn` (CAP_NET_ADMIN over its own netns): "
       "(exit, stdout, stderr)")

    step("hold owner + persistent owner: owners 2, merged filter")
    GH = "239.31.0.1"
    hmac = m.mcast_mac(GH)
    p1 = hold("h0", GH, mode="exclude", sources=["10.0.0.2", "10.0.0.1"])
    wait_show([M("h0", GH, "exclude", ["10.0.0.1", "10.0.0.2"])],
              what="a hold join")
    alive(p1, "after the hold join")
    check(hmac in m.maddr_links("h0", NS), "maddr of the hold join missing")
    ctl(join_args("h0", GH, "include", ["10.0.0.2"]), ns=NS)
    # RFC 9776 3.2: EXCLUDE({1,2}) + INCLUDE({2}) = EXCLUDE({1})
    m.expect_members([M("h0", GH, "exclude", ["10.0.0.1"], owners=2)], NS,
                     "hold EXCLUDE{.1,.2} + persistent INCLUDE{.2}")
    ctl(["leave", "dev", "h0", "group", GH], ns=NS)
    m.expect_members([M("h0", GH, "exclude", ["10.0.0.1", "10.0.0.2"])], NS,
                     "after the persistent owner left (hold remains)")
    ctl_error(["leave", "dev", "h0", "group", GH], ns=NS,
              msg="no such membership")
    ctl(join_args("h0", GH, "include", ["10.0.0.2"]), ns=NS)
    m.expect_members([M("h0", GH, "exclude", ["10.0.0.1"], owners=2)], NS,
                     "persistent joined again")
    alive(p1, "with two owners")
    kill(p1)
    wait_show([M("h0", GH, "include", ["10.0.0.2"])],
              what="after SIGKILL of the hold process (persistent stays)")
    check(hmac in m.maddr_links("h0", NS), "maddr gone while persistent owner "
          "still holds %s" % GH)
    ctl(["leave", "dev", "h0", "group", GH], ns=NS)
    m.expect_members([], NS, "after leaving %s" % GH)
    check(hmac not in m.maddr_links("h0", NS), "maddr left after the last "
          "owner of %s left" % GH)

    step("two hold processes, then SIGTERM of the last one")
    GH2 = "ff3e::31:2"
    p2 = hold("h0", GH2)
    p3 = hold("h0", GH2)
    wait_show([M("h0", GH2, "exclude", owners=2)], what="two hold joins")
    kill(p2, signal.SIGTERM)
    wait_show([M("h0", GH2, "exclude")], what="after killing one hold process")
    alive(p3, "second hold process")
    ctl_error(["leave", "dev", "h0", "group", GH2], ns=NS,
              msg="no such membership")
    m.expect_members([M("h0", GH2, "exclude")], NS, "persistent leave of a "
                     "group held only by a hold process")
    kill(p3, signal.SIGTERM)
    wait_show([], what="after killing the last hold process")
    check(m.mcast_mac(GH2) not in m.maddr_links("h0", NS),
          "maddr of %s left after its hold owners died" % GH2)
    step("merge of the owners' filters (RFC 9776 3.2)")
    A, B, C, D = "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"
    cases = [
        # (persistent filter, [hold filters], merged mode, merged sources)
        (("include", [A, B]), [("include", [B, C])], "include", [A, B, C]),
        (("exclude", [A, B]), [("exclude", [B, C])], "exclude", [B]),
        (("exclude", [A, B, C]), [("include", [B]), ("exclude", [A, C, D])],
         "exclude", [A, C]),
        (("exclude", []), [("include", [A])], "exclude", []),
        (("include", [A]), [("include", [B]), ("include", [A, C])],
         "include", [A, B, C]),
        # Five owners: more filters than the merge's vector on the stack
        # holds (group.c), so it allocates one.
        (("include", [B]), [("exclude", [A, B, C, D]), ("exclude", [A, B, D]),
                            ("include", [C]), ("include", [A, C])],
         "exclude", [D]),
    ]
    for i, (pf, holds, mmode, msrc) in enumerate(cases):
        g = "232.37.0.%d" % (i + 1)
        ctl(join_args("h0", g, pf[0], pf[1]), ns=NS)
        procs = [hold("h0", g, mode=hm, sources=hs) for hm, hs in holds]
        what = "persistent %s%s + hold %s" % (pf[0], pf[1], holds)
        wait_show([M("h0", g, mmode, msrc, owners=1 + len(holds))],
                  what=what)
        for p in procs:
            kill(p)
        wait_show([M("h0", g, pf[0], pf[1])], what="after killing the hold "
                  "processes of: " + what)
        ctl(["leave", "dev", "h0", "group", g], ns=NS)
    m.expect_members([], NS, "after the merge cases")

    step("a rejected hold join exits 1 at once")
    ctl_error(join_args("h0", "224.0.0.1", hold=True), ns=NS,
              msg="the all-hosts group (224.0.0.1) cannot be joined")

    step("device moved to another netns: memberships dropped, no maddr leak")
    m.veth("m0", NS, "m1", "p")
    idx["m0"] = m.ifindex("m0", NS)
    GM = ["239.32.0.1", "ff3e::32:1"]
    for g in GM:
        ctl(join_args("m0", g), ns=NS)
    m.expect_members([M("m0", g, "exclude") for g in GM], NS, "joins on m0")
    ip("link set m0 netns p", ns=NS)
    m.expect_members([], NS, "after m0 moved to netns p")
    m.expect_members([], "p", "netns p (memberships do not follow m0)")
    left = set(m.maddr_links("m0", "p")) & {m.mcast_mac(g) for g in GM}
    eq(left, set(), "mchost's link-layer addresses left on m0 after it moved")
    ip("link del m0", ns="p")

    step("deleting the veth with memberships (and a hold owner) present")
    GV = ["239.33.0.1", "232.33.0.2", "ff3e::33:1"]
    ctl(join_args("h0", GV[0]), ns=NS)
    ctl(join_args("h0", GV[1], "include", ["10.0.0.1"]), ns=NS)
    ctl(join_args("h0", GV[2], "include", ["2001:db8::1"]), ns=NS)
    p4 = hold("h0", GV[0])
    wait_show([M("h0", GV[0], "exclude", owners=2),
               M("h0", GV[1], "include", ["10.0.0.1"]),
               M("h0", GV[2], "include", ["2001:db8::1"])], what="before del")
    ip("link del h0", ns=NS, timeout=30)
    m.expect_members([], NS, "after deleting h0")
    lines = m.proc_interfaces(NS)
    check(not any(ln.split()[0] == "h0" for ln in lines),
          "/proc/net/mchost/interfaces still lists h0: %s" % lines)
    check(all("h0" not in ln for ln in ctl("ifaces", ns=NS).stdout
              .splitlines()), "`ifaces` still lists h0")
    ctl_error(join_args("h0", GV[0]), ns=NS, msg="unknown device h0")
    alive(p4, "hold process whose device was deleted")
    kill(p4)
    m.expect_members([], NS, "after the hold process of the deleted h0 died")
    m.veth("h0", NS, "p0", "p")
    idx["h0"] = m.ifindex("h0", NS)
    m.expect_members([], NS, "a new h0: no stale records")
    eq(set(m.maddr_links("h0", NS)) & {m.mcast_mac(g) for g in GV}, set(),
       "link-layer addresses of the old memberships on the new h0")
    tw.check("after the device deletion")

    step("deleting netns with memberships (one kept alive by a hold owner)")
    for ns, hold_it in (("n2", True), ("n3", False)):
        m.netns_add(ns)
        m.dummy("x0", ns=ns)
        m.veth("n0", ns, ns + "peer", "p")
        for dev in ("x0", "n0"):
            ctl(join_args(dev, "239.34.0.1"), ns=ns)
            ctl(join_args(dev, "ff3e::34:1", "include", ["2001:db8::1"]),
                ns=ns)
        ph = hold("x0", "239.34.0.2", ns=ns) if hold_it else None
        if ph:
            m.wait_for(lambda: len(m.show_lines(ns)) == 5, 5,
                       "the hold join in %s" % ns)
        eq(len(m.show_lines(ns)), 5 if hold_it else 4,
           "memberships in %s" % ns)
        m.netns_del(ns)
        if ph:
            alive(ph, "hold process in the deleted netns")
            kill(ph)
        m.wait_for(lambda: link_gone(ns + "peer", "p"), 20,
                   "netns %s to be torn down (its veth peer to vanish)" % ns,
                   interval=0.1)
    tw.check("after the netns deletions")

    step("traffic flowing during a batch, a device deletion and rmmod")
    F4, F6 = "232.38.0.1", "ff3e::38:1"
    flood_cmd = [sys.executable, m.__file__, "flood", "p0", F4, F6]

    def flowing(what):
        c0 = m.counters(NS)
        m.wait_for(lambda: m.counters(NS)["igmp"]["rcv_total"] >=
                   c0["igmp"]["rcv_total"] + 20, 10,
                   "injected traffic to flow (%s)" % what, interval=0.1)
    fl = m.spawn(flood_cmd, ns="p")
    ctl(join_args("h0", F4), ns=NS)
    ctl(join_args("h0", F6), ns=NS)
    flowing("before the batch")
    r = ctl(["-b", "-"], ns=NS, timeout=300, input="".join(
        "join dev h0 group 239.38.%d.%d\n" % (i // 250, i % 250 + 1)
        for i in range(500)))
    eq(len(m.show_lines(NS)), 502, "memberships after a batch under traffic")
    flowing("after the batch")
    ip("link del h0", ns=NS, timeout=30)
    alive(fl, "flood process")
    kill(fl)
    m.expect_members([], NS, "after deleting h0 under traffic")
    c = m.counters(NS)
    m.check_invariant(c, "after the traffic stopped")
    m.log("counted under traffic: igmp %d, mld %d packets" %
          (c["igmp"]["rcv_total"], c["mld"]["rcv_total"]))
    m.veth("h0", NS, "p0", "p", up=False)
    m.sysctl("p", "net.ipv6.conf.p0.disable_ipv6", 1)
    ip("link set p0 up", ns="p")
    ip("link set h0 up", ns=NS)
    fl = m.spawn(flood_cmd, ns="p")
    ctl(join_args("h0", F4, "include", ["10.1.1.1"]), ns=NS)
    ctl(join_args("h0", F6), ns=NS)
    p6 = hold("h0", "239.38.9.9")
    flowing("before rmmod")
    m.rmmod()
    time.sleep(0.5)             # traffic goes on without the module
    alive(fl, "flood process")
    kill(fl)
    kill(p6)
    check(not os.path.exists(m.PROC), "%s exists after rmmod" % m.PROC)
    eq(set(m.maddr_links("h0", NS)) & {m.mcast_mac(g) for g in
                                       (F4, F6, "239.38.9.9")}, set(),
       "mchost's link-layer addresses on h0 after rmmod under traffic")
    m.check_no_taint("after rmmod under traffic")
    m.insmod()

    step("rmmod with memberships present (init netns and h, one hold owner)")
    m.dummy(DEV0)
    idx[DEV0] = m.ifindex(DEV0)
    base0 = set(m.maddr_links(DEV0))
    baseh = set(m.maddr_links("h0", NS))
    G0 = ["239.35.0.1", "232.35.0.2", "ff3e::35:1", "ff05::35:2"]
    ctl(join_args(DEV0, G0[0]))
    ctl(join_args(DEV0, G0[1], "include", ["10.0.0.1", "10.0.0.2"]))
    ctl(join_args(DEV0, G0[2]))
    p5 = hold(DEV0, G0[3], ns=None)
    ctl(join_args("h0", G0[0]), ns=NS)
    ctl(join_args("h0", G0[2], "exclude", ["2001:db8::1"]), ns=NS)
    m.wait_for(lambda: len(m.show_lines()) == 4, 5, "4 memberships on " + DEV0)
    eq(set(m.maddr_links(DEV0)), base0 | {m.mcast_mac(g) for g in G0},
       "maddr of %s with 4 memberships" % DEV0)
    m.rmmod()
    for ns in (None, NS):
        with m.in_netns(ns):
            check(not os.path.exists(m.PROC), "%s still exists after rmmod%s"
                  % (m.PROC, " (netns %s)" % ns if ns else ""))
    check(not m.module_loaded(), "/sys/module/mchost still exists")
    eq(set(m.maddr_links(DEV0)), base0, "maddr of %s after rmmod" % DEV0)
    eq(set(m.maddr_links("h0", NS)), baseh, "maddr of h0 after rmmod")
    kill(p5)
    m.check_no_taint("after rmmod with memberships")
    log("taint after rmmod: %d" % m.tainted())

    step("50 insmod/rmmod cycles with a membership joined in each")
    t0 = time.monotonic()
    for i in range(50):
        m.insmod()
        g = "239.36.0.%d" % (i + 1) if i % 2 == 0 else "ff3e::36:%x" % (i + 1)
        ctl(join_args(DEV0, g))
        if i % 10 == 9:
            m.expect_members([Member(DEV0, g, "exclude", (), 1, idx[DEV0])],
                             None, "cycle %d" % (i + 1))
            check(m.mcast_mac(g) in m.maddr_links(DEV0),
                  "cycle %d: maddr of %s missing" % (i + 1, g))
        m.rmmod()
        if i % 10 == 9:
            eq(set(m.maddr_links(DEV0)), base0,
               "maddr of %s after cycle %d" % (DEV0, i + 1))
            m.check_no_taint("cycle %d" % (i + 1))
    log("50 cycles in %.1fs" % (time.monotonic() - t0))
    eq(set(m.maddr_links(DEV0)), base0, "maddr of %s after 50 cycles" % DEV0)
    ip(["link", "del", DEV0])
    m.check_no_taint("at the end")
    tw.check()


if __name__ == "__main__":
    m.main(body)
