#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write the committed seed corpus of the fuzz targets (fuzz/corpus/).

Usage: fuzz/gen-seeds.py   (from anywhere; rewrites fuzz/corpus/*/seed-*)

Wire seeds are real messages built by scapy, checksums included, so they
check the shim's checksum too. The other targets' seeds follow the input
layouts described at the top of fuzz/fuzz_<target>.c.
"""
import os
import struct

from scapy.contrib.igmp import IGMP
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3gr, IGMPv3mq, IGMPv3mr
from scapy.layers.inet6 import (IPv6, ICMPv6MLDMultAddrRec, ICMPv6MLDone,
                                ICMPv6MLQuery, ICMPv6MLQuery2, ICMPv6MLReport,
                                ICMPv6MLReport2)

HERE = os.path.dirname(os.path.abspath(__file__))
LL, ALL_NODES = 'fe80::1', 'ff02::1'


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(bytes(data))


def igmp(msg):
    return bytes(msg)


def mld(msg, src=LL, dst=ALL_NODES):
    return bytes(IPv6(src=src, dst=dst) / msg)[40:]


def wire():
    igmp_seeds = {
        'igmpv1-query': IGMP(type=0x11, mrcode=0, gaddr='0.0.0.0'),
        'igmpv2-general': IGMP(type=0x11, mrcode=100, gaddr='0.0.0.0'),
        'igmpv2-group': IGMP(type=0x11, mrcode=10, gaddr='239.1.2.3'),
        'igmpv1-report': IGMP(type=0x12, gaddr='239.1.2.3'),
        'igmpv2-report': IGMP(type=0x16, gaddr='232.1.1.1'),
        'igmpv2-leave': IGMP(type=0x17, gaddr='232.1.1.1'),
        'igmpv3-general': IGMPv3(type=0x11, mrcode=100) /
        IGMPv3mq(gaddr='0.0.0.0', qrv=2, qqic=125),
        'igmpv3-gsq': IGMPv3(type=0x11, mrcode=0x8f) /
        IGMPv3mq(gaddr='232.1.1.1', s=1, qrv=7, qqic=200,
                 srcaddrs=['192.0.2.1', '198.51.100.7']),
        'igmpv3-report': IGMPv3(type=0x22) / IGMPv3mr(records=[
            IGMPv3gr(rtype=1, maddr='232.1.1.1', srcaddrs=['192.0.2.1']),
            IGMPv3gr(rtype=4, maddr='239.9.9.9'),
            IGMPv3gr(rtype=6, maddr='232.2.2.2',
                     srcaddrs=['192.0.2.1', '192.0.2.2']),
            IGMPv3gr(rtype=9, maddr='10.0.0.1')]),
    }
    for name, msg in igmp_seeds.items():
        write('wire', name, b'\x00' + igmp(msg))

    mld_seeds = {
        'mldv1-general': ICMPv6MLQuery(mrd=10000, mladdr='::'),
        'mldv1-group': ICMPv6MLQuery(mrd=1000, mladdr='ff0e::1:2'),
        'mldv1-report': ICMPv6MLReport(mladdr='ff0e::1:2'),
        'mldv1-done': ICMPv6MLDone(mladdr='ff0e::1:2'),
        'mldv2-general': ICMPv6MLQuery2(mrd=10000, mladdr='::', QRV=2,
                                        QQIC=125),
        'mldv2-gsq': ICMPv6MLQuery2(mrd=0x8123, mladdr='ff3e::1', S=1,
                                    QRV=3, QQIC=0x90,
                                    sources=['2001:db8::1', '2001:db8::2']),
        'mldv2-report': ICMPv6MLReport2(records=[
            ICMPv6MLDMultAddrRec(rtype=5, dst='ff3e::1',
                                 sources=['2001:db8::1']),
            ICMPv6MLDMultAddrRec(rtype=2, dst='ff0e::5'),
            ICMPv6MLDMultAddrRec(rtype=3, dst='ff0e::6',
                                 sources=['2001:db8::7', '2001:db8::8'])]),
    }
    for name, msg in mld_seeds.items():
        write('wire', name, b'\x01' + mld(msg))
    # Pseudo-header addresses from the input (flag 0x04).
    src, dst = 'fe80::abcd', 'ff02::16'
    msg = ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(rtype=4,
                                                        dst='ff0e::9')])
    addrs = bytes(IPv6(src=src, dst=dst))[8:40]
    write('wire', 'mldv2-report-addrs', b'\x05' + addrs + mld(msg, src, dst))
    # A broken checksum repaired by the harness (flag 0x02).
    raw = bytearray(igmp(IGMPv3(type=0x22) / IGMPv3mr(records=[
        IGMPv3gr(rtype=2, maddr='239.1.1.1', srcaddrs=['10.1.1.1'])])))
    raw[2:4] = b'\0\0'
    write('wire', 'igmpv3-report-fixsum', b'\x02' + raw)

    # One refused message per reason wire.c has, so that the committed
    # seeds alone reach every check. Flag 0x02 repairs the checksum: each
    # message gets past it to the check it is written for.
    u4, m4 = bytes([192, 0, 2, 1]), bytes([232, 1, 1, 1])
    u6 = bytes.fromhex('20010db8000000000000000000000001')
    m6 = bytes.fromhex('ff0e0000000000000000000000010002')
    v3q = bytes([0x11, 100, 0, 0])
    v3r = bytes([0x22, 0, 0, 0, 0, 0, 0, 1])
    refused_igmp = {
        # A unicast address where a multicast group belongs.
        'refused-igmpv2-query-unicast': bytes([0x11, 10, 0, 0]) + u4,
        'refused-igmpv3-query-unicast': v3q + u4 + bytes([2, 125, 0, 0]),
        'refused-igmpv2-report-unicast': bytes([0x16, 0, 0, 0]) + u4,
        # RFC 9776 §4.1.11: a General Query has no sources.
        'refused-igmpv3-general-sources':
        v3q + bytes(4) + bytes([2, 125, 0, 1]) + u4,
        # More sources than the message holds.
        'refused-igmpv3-query-short-sources':
        v3q + m4 + bytes([2, 125, 0, 2]) + u4,
        # RFC 9776 §7.1: 9 to 11 octets is no query version.
        'refused-igmp-query-10-octets': v3q + bytes(6),
        # A record header, then a record, past the end of the report.
        'refused-igmpv3-report-short-header': v3r + bytes([1, 0, 0, 0]),
        'refused-igmpv3-report-short-record':
        v3r + bytes([1, 0, 0, 2]) + m4 + u4,
        'refused-igmpv3-report-unicast': v3r + bytes([2, 0, 0, 0]) + u4,
        # RFC 9776 §4: unknown types are ignored (0x13: DVMRP).
        'ignored-igmp-dvmrp': bytes([0x13, 0, 0, 0]) + bytes(4),
    }
    for name, msg in refused_igmp.items():
        write('wire', name, b'\x02' + msg)
    write('wire', 'refused-igmp-7-octets', b'\x00' + bytes([0x16] + [0] * 6))
    raw = bytearray(igmp(IGMP(type=0x16, gaddr='239.1.2.3')))
    raw[2] ^= 0xff
    write('wire', 'refused-igmp-bad-checksum', b'\x00' + raw)

    mld_hdr = bytes([0, 0, 0, 0])
    refused_mld = {
        # RFC 2710 §3: a v1 message is 24 octets at least.
        'refused-mldv1-report-16-octets':
        bytes([131, 0, 0, 0]) + mld_hdr + m6[:8],
        'refused-mldv1-report-unicast': bytes([131, 0, 0, 0]) + mld_hdr + u6,
        # RFC 9777 §8.1: 25 to 27 octets is no query version.
        'refused-mld-query-26-octets':
        bytes([130, 0, 0, 0]) + mld_hdr + bytes(18),
        # RFC 9777 §5: unknown types are ignored (135: neighbour solicitation).
        'ignored-mld-type-135': bytes([135, 0, 0, 0]) + mld_hdr + m6,
    }
    for name, msg in refused_mld.items():
        write('wire', name, b'\x03' + msg)
    write('wire', 'refused-mld-6-octets', b'\x01' + bytes([131] + [0] * 5))
    raw = bytearray(mld(ICMPv6MLReport(mladdr='ff0e::1:2')))
    raw[2] ^= 0xff
    write('wire', 'refused-mld-bad-checksum', b'\x01' + raw)


def report_input(mld, mtu, recs, codes=(0, 0, 0, 0)):
    """recs: (type, group16, nsrc, base16, step) tuples."""
    out = struct.pack('>BHB', 1 if mld else 0, mtu - 68, len(recs))
    for rtype, g, nsrc, base, step in recs:
        out += struct.pack('>BHHHB', rtype - 1, g, nsrc, base, step - 1)
    return out + struct.pack('>BBHH', *codes)


def report():
    general = [(1, 1, 2, 10, 1), (2, 2, 0, 0, 1), (1, 3, 5, 20, 2)]
    write('report', 'igmp-general-1500',
          report_input(False, 1500, general, (10, 200, 1000, 40000)))
    write('report', 'mld-general-1280',
          report_input(True, 1280, general, (0, 255, 32767, 32768)))
    write('report', 'igmp-split-68',
          report_input(False, 68, [(5, 1, 30, 0, 1), (6, 2, 3, 9, 1)]))
    write('report', 'igmp-truncate-68',
          report_input(False, 68, [(4, 1, 30, 0, 1), (2, 2, 11, 0, 1)]))
    write('report', 'mld-split-1280',
          report_input(True, 1280, [(3, 7, 150, 0, 3), (1, 8, 0, 0, 1)]))
    write('report', 'mld-no-source-fits-80',
          report_input(True, 80, [(5, 1, 2, 0, 1), (4, 2, 2, 0, 1)]))
    write('report', 'mld-degenerate-70',
          report_input(True, 70, [(4, 1, 0, 0, 1)]))
    write('report', 'igmp-jumbo-9000',
          report_input(False, 9000, [(1, 1, 2300, 0, 1), (4, 2, 2300, 0, 2),
                                     (6, 3, 100, 0, 1)]))
    write('report', 'igmp-empty-records',
          report_input(False, 576, [(1, 1, 0, 0, 1), (5, 2, 0, 0, 1),
                                    (6, 3, 0, 0, 1), (3, 4, 0, 0, 1)]))
    # Only records that an empty source list removes: no report at all.
    write('report', 'igmp-only-empty-records',
          report_input(False, 576, [(1, 1, 0, 0, 1), (5, 2, 0, 0, 1)]))


# fuzz_change.c opcodes (low 7 bits; odd changes are EXCLUDE).
JOIN_IN, JOIN_EX, LEAVE, TX, CLEAR, NOMEM_IN, DRAIN = 0, 1, 40, 50, 100, 106, 120


def change():
    def seq(rv, ops, vary=False):
        return bytes([1 if vary else 0, rv - 1] + ops)

    write('change', 'include-join-tx-leave',
          seq(2, [JOIN_IN, 0x03, TX, TX, JOIN_IN, 0x06, TX, LEAVE, DRAIN]))
    write('change', 'exclude-join-mode-flip',
          seq(3, [JOIN_EX, 0x00, TX, JOIN_EX, 0x10, JOIN_IN, 0x11, TX,
                  JOIN_EX, 0x01, DRAIN]))
    write('change', 'merge-without-tx',
          seq(7, [JOIN_IN, 0x01, JOIN_IN, 0x03, JOIN_IN, 0x02, TX, LEAVE,
                  TX, TX]))
    write('change', 'clear-then-change',
          seq(2, [JOIN_EX, 0x0f, TX, CLEAR, JOIN_EX, 0x0e, DRAIN, JOIN_IN,
                  0xf0, DRAIN]))
    write('change', 'nomem',
          seq(2, [JOIN_IN, 0x0f, TX, NOMEM_IN, 0xf0, 0, NOMEM_IN, 0xf0, 2,
                  DRAIN]))
    write('change', 'rv-varies',
          seq(4, [JOIN_IN, 0x01, TX, 0x80 | JOIN_IN, 0, 0x03, TX, DRAIN],
              vary=True))
    # Per-source counts: S1 with RV - 1 left when S2 is added.
    write('change', 'per-source-merge',
          seq(3, [JOIN_IN, 0x01, TX, JOIN_IN, 0x03, TX, JOIN_IN, 0x07,
                  DRAIN]))
    # Source changes while TO_EX records are owed, one moved back.
    write('change', 'sources-during-mode',
          seq(3, [JOIN_EX, 0x04, TX, JOIN_EX, 0x0c, TX, JOIN_EX, 0x0e, TX,
                  JOIN_EX, 0x0a, DRAIN]))
    # A mode change with a smaller RV while sources are pending.
    write('change', 'mode-after-rv-drop',
          seq(4, [JOIN_IN, 0x03, TX, 0x80 | JOIN_EX, 1, 0x00, TX,
                  0x80 | JOIN_EX, 0, 0x01, DRAIN], vary=True))
    # The same INCLUDE set twice: no change, nothing owed (§5.1).
    write('change', 'same-set-again',
          seq(2, [JOIN_IN, 0x03, JOIN_IN, 0x03, DRAIN]))


def slist():
    def bits(*idx):
        v = 0
        for i in idx:
            v |= 1 << i
        return struct.pack('>I', v)

    union = b'\x00' + bits(1, 2, 3) + bits(3, 4) + b'\x00\x01' + b'\x18\x00'
    inter = b'\x02' + bits(1, 2, 3) + bits(2, 3, 9) + b'\x01\x00' + b'\x01\x00'
    diff = b'\x04' + bits(*range(24)) + bits(0) + b'\x06\x00' + b'\x17\x00'
    queries = b'\x06' + bits(5, 7) + bits(7, 5) + b'\x00\x03'
    queries_sizes = b'\x06' + bits(1, 2) + bits(1) + b'\x00\x00'
    # A sort of one address, and an EXCLUDE merge over max (-E2BIG).
    srt_one = b'\x08\x01\x00\x05'
    merge_big = b'\x0b\x01' + b'\x02' + bits(1, 2, 3) + b'\x00' + b'\x01\x00'
    # An empty set copied; an INCLUDE merge failing its first allocation,
    # then its last (the tight copy of {1, 2, 5}, held in a cap of 4).
    dup_empty = b'\x07' + bits() + b'\x00\x00'
    two_incl = b'\x01' + bits(1, 2) + b'\x00' + b'\x01' + bits(2, 5) + b'\x00'
    merge_incl_nomem = b'\x0c\x02' + two_incl + b'\x18\x01'
    merge_tight_nomem = b'\x0c\x02' + two_incl + b'\x18\x03'
    dup = b'\x07' + bits(1, 20) + b'\x00\x00' + b'\x07' + bits(3) + b'\x00\x01'
    srt = b'\x08' + bytes([6, 0, 5, 4, 3, 2, 1, 0]) + b'\x08' + bytes(
        [4, 0, 1, 2, 3, 1])
    alloc = b'\x0a' + struct.pack('>I', 65536) + b'\x0a' + struct.pack(
        '>I', 5)
    # Owners: count, then mode, bits, how per owner; max; failure.
    merge = (b'\x0b\x03' + b'\x02' + bits(1, 2, 3) + b'\x00' + b'\x02' +
             bits(2, 3, 4) + b'\x00' + b'\x01' + bits(3) + b'\x00' +
             b'\x18\x00')
    merge_inc = (b'\x0c\x02' + b'\x01' + bits(1, 2) + b'\x00' + b'\x01' +
                 bits(2, 5) + b'\x01' + b'\x02\x00')
    merge_nomem = (b'\x0d\x02' + b'\x02' + bits(1, 2) + b'\x00' + b'\x02' +
                   bits(2) + b'\x00' + b'\x18\x02')
    for name, data in [('union', union), ('intersect', inter),
                       ('diff', diff), ('queries', queries), ('dup', dup),
                       ('sort', srt), ('alloc', alloc), ('merge-exclude',
                                                         merge),
                       ('merge-include', merge_inc),
                       ('merge-nomem', merge_nomem),
                       ('queries-sizes', queries_sizes),
                       ('sort-one', srt_one), ('merge-over-max', merge_big),
                       ('dup-empty', dup_empty),
                       ('merge-include-nomem', merge_incl_nomem),
                       ('merge-tight-nomem', merge_tight_nomem)]:
        write('slist', name, data)


if __name__ == '__main__':
    wire()
    report()
    change()
    slist()
