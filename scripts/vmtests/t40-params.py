#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t40-params: all ten module parameters: modinfo, defaults, the range
bounds (both ends valid, one past either end EINVAL with the value kept,
garbage EINVAL), invalid and valid insmod values, and their effect:

  max_sources       joins over it rejected (exact message), then accepted
  igmp_max_version  lowering either cap downgrades every device of every
  mld_max_version   namespace at once, raising it upgrades them again
  coalesce_ms       the default (1000): group responses spread over 8 s
                    leave in at most 8 / 1 + 1 timer firings; the cap of a
                    quarter of the interval: responses spread over 1 s
                    leave in at most 5, and those still due after the last
                    query over more than 0.25 s (the window alone would
                    send them all in one firing). Firings are counted with
                    tracefs.

The effect of robustness, the four *_unsolicited_report_interval and
report_link_local, at insmod and written at runtime, is checked packet by
packet in t70-engine. The defaults are the RFCs' and the stock stack's: a
10 s Unsolicited Report Interval for IGMPv1/v2 and MLDv1 (RFC 2236 §8.10,
RFC 2710 §7.10), 1 s for IGMPv3/MLDv2, link-local groups reported.
"""
import collections
import errno
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import FAMS, Member, check, ctl, ctl_error, eq, ip, join_args, step

# name: (default, low, high)
RANGE = {"igmp_max_version": (3, 1, 3), "mld_max_version": (2, 1, 2),
         "robustness": (2, 1, 7),
         "igmpv2_unsolicited_report_interval": (10000, 1, 60000),
         "igmpv3_unsolicited_report_interval": (1000, 1, 60000),
         "mldv1_unsolicited_report_interval": (10000, 1, 60000),
         "mldv2_unsolicited_report_interval": (1000, 1, 60000),
         "max_sources": (64, 1, 1024), "coalesce_ms": (1000, 0, 1000),
         "report_link_local": (1, 0, 1)}
DEFAULTS = {n: v[0] for n, v in RANGE.items()}
GARBAGE = ["abc", "2x", "-1", "1.5", "4294967296",
           "99999999999999999999", "\n"]
OVERFLOW = ("4294967296", "99999999999999999999")

NS = "h"


def pread(name):
    with open(os.path.join(m.PARAMS, name)) as f:
        v = f.read()
    check(v.endswith("\n") and v[:-1].isdigit(),
          "%s/%s: expected a decimal number, got %r" % (m.PARAMS, name, v))
    return int(v)


def pwrite(name, value):
    """write(2) value to the parameter; return 0 or the errno."""
    fd = os.open(os.path.join(m.PARAMS, name), os.O_WRONLY)
    try:
        os.write(fd, value.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def params_now():
    return {n: pread(n) for n in RANGE}


def versions(devs):
    """{(netns, dev): (igmp_version, mld_version)} from /proc."""
    return {(ns, d): tuple(m.proc_iface_state(d, ns)[k] for k in
                           ("igmp_version", "mld_version"))
            for ns, d in devs}


def firings(peer, gs, mrt, what):
    """A group query with Max Resp Time mrt for every group of gs (both
    families) at once; returns (timer firings while the responses were
    sent, responses sent before the last query had left, the send times of
    those after it)."""
    c0 = m.counters(NS)
    frames = [f.frame(f.query(q, g, mrt=mrt)) for f, q in
              ((m.IGMP, "10.0.0.1"), (m.MLD, "fe80::1")) for g in gs[f]]
    tc = m.TimerCount()
    tc.start()
    t_first = time.time()
    for fr in frames:
        peer.tx.send(fr)
    t_last = time.time()
    m.wait_for(lambda: all(m.counters(NS)[f.name]["snd_v3_reports"] -
                           c0[f.name]["snd_v3_reports"] >= len(gs[f])
                           for f in FAMS), mrt + 5, "%s: the responses" % what)
    n = m.engine_timers(tc.stop(), ("mchost",))["hrtimer_expire_entry"]
    time.sleep(0.1)
    early = len(peer.get(t_first, t_last))
    late = [p.t for p in peer.get(t_last)]
    d = m.delta(c0, m.counters(NS))
    eq({f.name: (d[f.name]["snd_v3_reports"], d[f.name]["qry_group"])
        for f in FAMS}, {f.name: (len(gs[f]), len(gs[f])) for f in FAMS},
       "%s: group queries and responses" % what)
    m.log("%s: %d responses in %d timer firings, %d of them before the last "
          "query left, the others over %.3f s" % (
              what, len(frames), n, early, max(late) - min(late)))
    return n, early, late


def coalescing():
    step("coalesce_ms: the default window, and its quarter-interval cap")
    m.netns_add(NS)
    m.netns_add("p")
    m.veth("h0", NS, "p0", "p", up=False)
    m.ipv6_quiet("p", "p0", disable=True)
    ip("link set p0 up", ns="p")
    m.quiet_host(NS, "h0", "10.0.0.2", "fe80::2")
    peer = m.Capture("p0", "p")
    # 30 groups a family: one firing sends at most 64 packets.
    gs = {f: [m.addr_add(b, i) for i in range(1, 31)] for f, b in
          ((m.IGMP, "239.44.0.0"), (m.MLD, "ff0e::44:0"))}
    ctl(["-b", "-"], ns=NS, input="".join(
        "join dev h0 group %s\n" % g for f in FAMS for g in gs[f]))
    # Robustness 2: each group's record twice, the retransmission within
    # 1 s (the default URI); records due together share a report.
    def reported_twice():
        seen = collections.Counter(r[1] for r in m.records(peer.get()))
        return all(seen[m.canon(g)] == 2 for f in FAMS for g in gs[f])
    m.wait_for(reported_twice, 5, "the joins' reports")
    # A firing serves what is due within min(coalesce_ms, MRT / 4), and
    # the next one comes only for a later deadline: after the last query,
    # firings are more than that apart. Each firing before sends at least
    # one response.
    n, early, _ = firings(peer, gs, 8.0, "MRT 8 s (window 1 s)")
    check(n <= early + 8 // 1 + 2, "MRT 8 s: %d firings (%d responses "
          "before the last query): coalescing within 1 s allows at most "
          "%d" % (n, early, early + 10))
    # The 1 s window alone would serve every response still due after the
    # last query in its first firing: at once. With the cap, the next
    # firing comes more than 0.25 s later.
    n, early, late = firings(peer, gs, 1.0, "MRT 1 s (cap 0.25 s)")
    check(n <= early + 4 + 2 and max(late) - min(late) > 0.25, "MRT 1 s: "
          "%d firings (%d responses before the last query), the others "
          "over %.3f s: with slack min(1 s, MRT/4) = 0.25 s, at most %d "
          "firings, and over more than 0.25 s" % (
              n, early, max(late) - min(late), early + 6))
    peer.close()
    ip("netns del p")


def per_device(devs):
    """`mchostctl set`: one device's values win over the parameters (as the
    stock stack's force_igmp_version), `ifaces` shows them, default goes
    back to the parameter."""
    step("set dev: per-device settings win over the parameters")
    d1 = (NS, "d1")
    idx = m.ifindex("d1", NS)
    ctl(["set", "dev", "d1", "igmp_version", "2", "mld_version", "1",
         "robustness", "5", "report_link_local", "0"], ns=NS)
    own = {"set_igmp_version": 2, "set_mld_version": 1, "set_robustness": 5,
           "set_report_link_local": 0}
    eq(versions(devs), {k: (2, 1) if k == d1 else (3, 2) for k in devs},
       "versions after `set dev d1 igmp_version 2 mld_version 1`")
    base = m.iface_json("d1", idx, 1, 1500, 0, 0, igmpv=2, mldv=1)
    eq(ctl(["ifaces", "dev", "d1"], ns=NS).stdout.splitlines(),
       [m.iface_line("d1", idx, 1, 1500, 0, 0, igmpv=2, mldv=1) + "".join(
           " %s %d" % kv for kv in own.items())], "`ifaces dev d1`")
    eq(m.ctl_json(["ifaces", "dev", "d1"], ns=NS), [dict(base, **own)],
       "`-j ifaces dev d1`")
    # The device's own value wins over a parameter written later, both ways.
    for v in (1, 3):
        eq(pwrite("igmp_max_version", "%d\n" % v), 0, "igmp_max_version")
        eq(versions(devs), {k: (2, 1) if k == d1 else (v, 2) for k in devs},
           "versions with igmp_max_version=%d" % v)
    ctl(["set", "dev", "d1", "mld_version", "default"], ns=NS)
    eq(versions(devs)[d1], (2, 2), "d1 after `set dev d1 mld_version default`")
    ctl(["set", "dev", "d1", "igmp_version", "default", "robustness",
         "default", "report_link_local", "default"], ns=NS)
    eq(ctl(["ifaces", "dev", "d1"], ns=NS).stdout.splitlines(),
       [m.iface_line("d1", idx, 1, 1500, 0, 0)],
       "`ifaces dev d1` with every setting back to default")
    eq(versions(devs), {k: (3, 2) for k in devs}, "versions at the end")
    ctl_error(["set", "dev", "nosuch0", "robustness", "2"], ns=NS,
              msg="unknown device nosuch0")
    ctl_error(["set", "dev", "lo", "robustness", "2"], ns=NS,
              msg="memberships on a loopback device are meaningless")


def body():
    tw = m.TaintWatch()
    if m.module_loaded():
        m.rmmod()

    step("modinfo describes every parameter")
    r = m.run(["modinfo", "-F", "parm", m.KO])
    described = {ln.split(":", 1)[0] for ln in r.stdout.splitlines()}
    eq(set(RANGE) - described, set(), "parameters missing from modinfo")

    step("insmod with out-of-range values fails and loads nothing")
    for n, (d, lo, hi) in RANGE.items():
        for v in ([str(lo - 1)] if lo else []) + [str(hi + 1), "abc"]:
            r = m.insmod("%s=%s" % (n, v), check=False)
            check(r.returncode != 0, "`insmod mchost.ko %s=%s` succeeded; it "
                  "must fail" % (n, v))
            check(not m.module_loaded(), "module present after the failed "
                  "`insmod %s=%s`" % (n, v))

    step("insmod with valid values takes them")
    given = {"igmp_max_version": 2, "mld_max_version": 1, "robustness": 5,
             "igmpv2_unsolicited_report_interval": 2500,
             "igmpv3_unsolicited_report_interval": 2600,
             "mldv1_unsolicited_report_interval": 2700,
             "mldv2_unsolicited_report_interval": 2800, "max_sources": 1024,
             "coalesce_ms": 0, "report_link_local": 0}
    m.insmod(*["%s=%d" % kv for kv in given.items()])
    eq(params_now(), given, "parameters given at insmod")
    m.netns_add(NS)
    m.dummy("d0", ns=NS)
    idx = m.ifindex("d0", NS)
    eq(ctl(["ifaces", "dev", "d0"], ns=NS).stdout.splitlines(),
       [m.iface_line("d0", idx, 1, 1500, 0, 0, igmpv=2, mldv=1)],
       "`ifaces` of a device with igmp_max_version=2 mld_max_version=1")
    src = ["10.1.%d.%d" % (i // 200, i % 200 + 1) for i in range(1024)]
    ctl(join_args("d0", "232.40.0.1", "include", src), ns=NS)
    m.expect_members([Member("d0", "232.40.0.1", "include", src, 1, idx)], NS,
                     "a join with 1024 sources (max_sources=1024)")
    ctl(["leave", "dev", "d0", "group", "232.40.0.1"], ns=NS)
    m.rmmod()
    ip("netns del " + NS)

    step("defaults")
    m.fresh_module()
    eq(params_now(), DEFAULTS, "default parameter values")
    for n in RANGE:
        st = os.stat(os.path.join(m.PARAMS, n))
        eq(st.st_mode & 0o777, 0o644, "mode of %s/%s" % (m.PARAMS, n))

    step("the bounds take; one past them and garbage fail with EINVAL, the "
         "value unchanged")
    for n, (d, lo, hi) in RANGE.items():
        for v in (lo, hi, (lo + hi) // 2):
            eq(pwrite(n, "%d\n" % v), 0, "writing %d to %s: errno" % (v, n))
            eq(pread(n), v, "%s after writing %d" % (n, v))
        keep = pread(n)
        for v in ([str(lo - 1)] if lo else []) + [str(hi + 1)] + GARBAGE:
            e = pwrite(n, v if v.endswith("\n") else v + "\n")
            # kstrtouint() says ERANGE for a number that overflows u32
            ok = (errno.EINVAL, errno.ERANGE) if v in OVERFLOW else \
                (errno.EINVAL,)
            check(e in ok, "writing %r to %s: expected EINVAL, got %s" %
                  (v, n, "success" if e == 0 else errno.errorcode.get(e, e)))
            eq(pread(n), keep, "%s after the rejected write of %r" % (n, v))
        # writes without a trailing newline work too
        eq(pwrite(n, "%d" % d), 0, "writing %d to %s without newline" %
           (d, n))
    eq(params_now(), DEFAULTS, "all parameters restored to the defaults")

    coalescing()

    step("max_sources=2: 3 sources rejected, 2 accepted")
    m.dummy("d0", ns=NS)
    idx = m.ifindex("d0", NS)
    MANY = "too many sources (more than max_sources)"
    eq(pwrite("max_sources", "2\n"), 0, "writing 2 to max_sources")
    for g, srcs in (("232.40.0.2", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
                    ("ff3e::40:2", ["2001:db8::1", "2001:db8::2",
                                    "2001:db8::3"])):
        ctl_error(join_args("d0", g, "include", srcs), ns=NS, msg=MANY)
        ctl_error(join_args("d0", g, "exclude", srcs), ns=NS, msg=MANY)
        m.expect_members([], NS, "after the rejected 3-source join of " + g)
    exp = []
    for g, srcs, mode in (("232.40.0.2", ["10.0.0.2", "10.0.0.1"], "include"),
                          ("ff3e::40:2", ["2001:db8::1", "2001:db8::2"],
                           "exclude")):
        ctl(join_args("d0", g, mode, srcs), ns=NS)
        exp.append(Member("d0", g, mode, srcs, 1, idx))
        m.expect_members(exp, NS, "after the 2-source join of " + g)
    ctl_error(join_args("d0", "232.40.0.2", "include",
                        ["10.0.0.1", "10.0.0.2", "10.0.0.3"]), ns=NS, msg=MANY)
    m.expect_members(exp, NS, "a rejected 3-source re-join keeps the filter")
    eq(pwrite("max_sources", "3\n"), 0, "writing 3 to max_sources")
    ctl(join_args("d0", "232.40.0.2", "include",
                  ["10.0.0.1", "10.0.0.2", "10.0.0.3"]), ns=NS)
    exp[0] = Member("d0", "232.40.0.2", "include",
                    ["10.0.0.1", "10.0.0.2", "10.0.0.3"], 1, idx)
    m.expect_members(exp, NS, "3 sources accepted after max_sources=3")

    step("lowering igmp_max_version / mld_max_version downgrades every "
         "device of every namespace at once")
    m.netns_add("a")
    for ns, d in ((NS, "d1"), ("a", "a0"), ("a", "a1"), (None, "x0")):
        m.dummy(d, ns=ns)
    ctl(join_args("a1", "239.40.0.1"), ns="a")
    devs = [(NS, "d0"), (NS, "d1"), ("a", "a0"), ("a", "a1"), (None, "x0")]
    eq(versions(devs), {k: (3, 2) for k in devs}, "versions at first")
    for igmpv, mldv in ((1, 1), (2, 2), (3, 1), (2, 1), (3, 2)):
        eq((pwrite("igmp_max_version", "%d\n" % igmpv),
            pwrite("mld_max_version", "%d\n" % mldv)), (0, 0),
           "writing %d / %d" % (igmpv, mldv))
        eq(versions(devs), {k: (igmpv, mldv) for k in devs},
           "versions right after writing igmp_max_version=%d, "
           "mld_max_version=%d (no event in between)" % (igmpv, mldv))
    per_device(devs)
    ip("link del x0")
    m.rmmod()
    tw.check()


if __name__ == "__main__":
    m.main(body)
