#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""t40-params: module parameters: defaults, valid and invalid writes,
invalid insmod values, load-time values, and max_sources enforcement.
"""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mclib as m
from mclib import Member, check, ctl, ctl_error, eq, ip, join_args, step

DEFAULTS = {"igmp_max_version": 3, "mld_max_version": 2, "robustness": 2,
            "unsolicited_report_interval_ms": 1000, "max_sources": 64}
VALID = {"igmp_max_version": [1, 2, 3],
         "mld_max_version": [1, 2],
         "robustness": [1, 7, 4],
         "unsolicited_report_interval_ms": [1, 60000, 250],
         "max_sources": [1, 1024, 100]}
OVER = {"igmp_max_version": ["4", "255"],
        "mld_max_version": ["3", "0x10"],
        "robustness": ["8", "100"],
        "unsolicited_report_interval_ms": ["1000000000", "4294967295"],
        "max_sources": ["1025", "2000"]}
OVERFLOW = ("4294967296", "99999999999999999999")
GARBAGE = ["abc", "2x", "-1", "1.5", "4294967296", "99999999999999999999",
           "\n"]

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
    return {n: pread(n) for n in DEFAULTS}


def body():
    tw = m.TaintWatch()
    if m.module_loaded():
        m.rmmod()

    step("modinfo describes every parameter")
    r = m.run(["modinfo", "-F", "parm", m.KO])
    described = {ln.split(":", 1)[0] for ln in r.stdout.splitlines()}
    eq(set(DEFAULTS) - described, set(), "parameters missing from modinfo")

    step("insmod with out-of-range values fails and loads nothing")
    for arg in ("max_sources=2000", "max_sources=0", "max_sources=1025",
                "igmp_max_version=0", "igmp_max_version=4",
                "mld_max_version=0", "mld_max_version=3", "robustness=0",
                "robustness=8", "unsolicited_report_interval_ms=0",
                "max_sources=abc"):
        r = m.insmod(arg, check=False)
        check(r.returncode != 0, "`insmod mchost.ko %s` succeeded; it must "
              "fail" % arg)
        check(not m.module_loaded(), "module present after the failed "
              "`insmod %s`" % arg)

    step("insmod with valid values takes them")
    m.insmod("igmp_max_version=2", "mld_max_version=1", "robustness=5",
             "unsolicited_report_interval_ms=2500", "max_sources=1024")
    eq(params_now(), {"igmp_max_version": 2, "mld_max_version": 1,
                      "robustness": 5, "unsolicited_report_interval_ms": 2500,
                      "max_sources": 1024}, "parameters given at insmod")
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
    for n in DEFAULTS:
        st = os.stat(os.path.join(m.PARAMS, n))
        check(st.st_mode & 0o200, "%s is not writable by root (mode %o)" %
              (n, st.st_mode & 0o777))

    step("valid writes take; invalid ones fail with EINVAL, value unchanged")
    for n in DEFAULTS:
        for v in VALID[n]:
            e = pwrite(n, "%d\n" % v)
            eq(e, 0, "writing %d to %s: errno" % (v, n))
            eq(pread(n), v, "%s after writing %d" % (n, v))
        keep = pread(n)
        for v in ["0"] + OVER[n] + GARBAGE:
            e = pwrite(n, v if v.endswith("\n") else v + "\n")
            # kstrtouint() says ERANGE for a number that overflows u32
            ok = (errno.EINVAL, errno.ERANGE) if v in OVERFLOW else \
                (errno.EINVAL,)
            check(e in ok,
                  "writing %r to %s: expected EINVAL, got %s" %
                  (v, n, "success" if e == 0 else errno.errorcode.get(e, e)))
            eq(pread(n), keep, "%s after the rejected write of %r" % (n, v))
        # writes without a trailing newline work too
        eq(pwrite(n, "%d" % DEFAULTS[n]), 0, "writing %d to %s without "
           "newline" % (DEFAULTS[n], n))
    eq(params_now(), DEFAULTS, "all parameters restored to the defaults")

    step("max_sources=2: 3 sources rejected, 2 accepted")
    m.netns_add(NS)
    m.dummy("d0", ns=NS)
    idx = m.ifindex("d0", NS)
    eq(pwrite("max_sources", "2\n"), 0, "writing 2 to max_sources")
    for g, srcs in (("232.40.0.2", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
                    ("ff3e::40:2", ["2001:db8::1", "2001:db8::2",
                                    "2001:db8::3"])):
        ctl_error(join_args("d0", g, "include", srcs), ns=NS,
                  substr="too many sources")
        ctl_error(join_args("d0", g, "exclude", srcs), ns=NS,
                  substr="too many sources")
        m.expect_members([], NS, "after the rejected 3-source join of " + g)
    exp = []
    for g, srcs, mode in (("232.40.0.2", ["10.0.0.2", "10.0.0.1"], "include"),
                          ("ff3e::40:2", ["2001:db8::1", "2001:db8::2"],
                           "exclude")):
        ctl(join_args("d0", g, mode, srcs), ns=NS)
        exp.append(Member("d0", g, mode, srcs, 1, idx))
        m.expect_members(exp, NS, "after the 2-source join of " + g)
    ctl_error(join_args("d0", "232.40.0.2", "include",
                        ["10.0.0.1", "10.0.0.2", "10.0.0.3"]), ns=NS,
              substr="too many sources")
    m.expect_members(exp, NS, "a rejected 3-source re-join keeps the filter")
    eq(pwrite("max_sources", "3\n"), 0, "writing 3 to max_sources")
    ctl(join_args("d0", "232.40.0.2", "include",
                  ["10.0.0.1", "10.0.0.2", "10.0.0.3"]), ns=NS)
    exp[0] = Member("d0", "232.40.0.2", "include",
                    ["10.0.0.1", "10.0.0.2", "10.0.0.3"], 1, idx)
    m.expect_members(exp, NS, "3 sources accepted after max_sources=3")

    step("lowering igmp_max_version / mld_max_version downgrades at once")
    for igmpv, mldv in ((1, 1), (2, 2), (3, 1), (3, 2)):
        eq(pwrite("igmp_max_version", "%d\n" % igmpv), 0,
           "writing %d to igmp_max_version" % igmpv)
        eq(pwrite("mld_max_version", "%d\n" % mldv), 0,
           "writing %d to mld_max_version" % mldv)
        st = m.proc_iface_state("d0", NS)
        eq((st["igmp_version"], st["mld_version"]), (igmpv, mldv),
           "versions of d0 right after the writes (no event in between)")
    m.rmmod()
    tw.check()


if __name__ == "__main__":
    m.main(body)
