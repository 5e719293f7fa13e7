# SPDX-License-Identifier: GPL-2.0
"""mclib's packets (see mclib.py): the raw IGMP/MLD builders, scapy, the
two family adapters, captured packets and the capture."""

import socket
import struct
import threading
import time

from mcbase import (addr_bytes, canon, check, eq, in_netns, mcast_mac,
                    sort_sources, wait_for)


# ------------------------------------------------------------ raw packets

def csum(data):
    """Internet checksum (RFC 1071) of bytes."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def _set_csum(msg, off, value):
    return msg[:off] + struct.pack("!H", value) + msg[off + 2:]


RA4 = b"\x94\x04\x00\x00"           # IPv4 Router Alert option (RFC 2113)


def ipv4(src, dst, payload, proto=2, ttl=1, tos=0xc0, ra=True, ident=1,
         mf=False, frag_off=0, opts=None):
    """An IPv4 packet (header checksum always correct); opts (a multiple of
    4 bytes) replaces the Router Alert option."""
    if opts is None:
        opts = RA4 if ra else b""
    check(len(opts) % 4 == 0 and len(opts) <= 40, "bad IPv4 options")
    ihl = 5 + len(opts) // 4
    flags = (0x2000 if mf else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos,
                      ihl * 4 + len(payload), ident, flags, ttl, proto, 0,
                      addr_bytes(src), addr_bytes(dst)) + opts
    hdr = _set_csum(hdr, 10, csum(hdr))
    return hdr + payload


def igmp_msg(body, bad_csum=False):
    """Fill in the checksum (bytes 2-3) of an IGMP message; bad_csum makes
    it wrong by one."""
    m = _set_csum(body, 2, 0) if len(body) >= 4 else body
    if len(m) >= 4:
        c = csum(m)
        if bad_csum:
            c = (c + 1) & 0xffff or 1
        m = _set_csum(m, 2, c)
    return m


def igmp_v12(type_, code, group, bad_csum=False):
    """8-byte IGMP: v1/v2 query (0x11), v1/v2 report (0x12/0x16), leave
    (0x17), or any other type."""
    return igmp_msg(struct.pack("!BBH4s", type_, code, 0, addr_bytes(group)),
                    bad_csum)


def igmp_v3_query(group="0.0.0.0", sources=(), mrc=100, s=0, qrv=2, qqic=125,
                  nsrc=None, bad_csum=False):
    """IGMPv3 query; nsrc overrides the source count (to overrun)."""
    n = len(sources) if nsrc is None else nsrc
    b = struct.pack("!BBH4sBBH", 0x11, mrc, 0, addr_bytes(group),
                    (s << 3) | qrv, qqic, n)
    b += b"".join(addr_bytes(x) for x in sources)
    return igmp_msg(b, bad_csum)


def _records(records, alen):
    """Group records [(rtype, group, [sources]) or with a 4th element
    overriding the source count] of an IGMPv3 / MLDv2 report."""
    body = b""
    for r in records:
        n = r[3] if len(r) > 3 else len(r[2])
        body += struct.pack("!BBH", r[0], 0, n) + addr_bytes(r[1])
        body += b"".join(addr_bytes(x) for x in r[2])
    check(all(len(addr_bytes(r[1])) == alen for r in records),
          "record group of the wrong family")
    return body


def igmp_v3_report(records, nrec=None, bad_csum=False):
    """IGMPv3 report; records as _records() takes them."""
    n = len(records) if nrec is None else nrec
    return igmp_msg(struct.pack("!BBHHH", 0x22, 0, 0, 0, n) +
                    _records(records, 4), bad_csum)


HBH_RA = bytes([5, 2, 0, 0, 1, 0])   # Router Alert (MLD) + PadN(0)
HBH_PAD = bytes([1, 4, 0, 0, 0, 0])  # PadN(4): a HbH header without RA


def ipv6(src, dst, nh, payload, hlim=1, hbh=HBH_RA, frag=None,
         dstopts=None):
    """IPv6 packet: optional Hop-by-Hop header (6 option bytes: RA by
    default, None = no HbH), optional Destination Options header (6 option
    bytes), optional Fragment header frag=(offset, more, ident), then payload
    of next header nh."""
    ext = b""
    chain = []
    if hbh is not None:
        chain.append((0, hbh))
    if dstopts is not None:
        chain.append((60, dstopts))
    if frag is not None:
        chain.append((44, frag))
    first = chain[0][0] if chain else nh
    for i, (kind, data) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else nh
        if kind in (0, 60):
            check(len(data) == 6, "HbH/DestOpt options must be 6 bytes")
            ext += bytes([nxt, 0]) + data
        else:
            off, more, ident = data
            ext += struct.pack("!BBHI", nxt, 0,
                               (off // 8) << 3 | (1 if more else 0), ident)
    plen = len(ext) + len(payload)
    hdr = struct.pack("!IHBB16s16s", 6 << 28, plen, first, hlim,
                      addr_bytes(src), addr_bytes(dst))
    return hdr + ext + payload


def icmp6_msg(src, dst, body, bad_csum=False):
    """Fill in the ICMPv6 checksum (pseudo-header with src/dst)."""
    m = _set_csum(body, 2, 0) if len(body) >= 4 else body
    if len(m) >= 4:
        pseudo = addr_bytes(src) + addr_bytes(dst) + \
            struct.pack("!IxxxB", len(m), 58)
        c = csum(pseudo + m)
        if bad_csum:
            c = (c + 1) & 0xffff or 1
        m = _set_csum(m, 2, c)
    return m


def mld_v1(src, dst, type_, group="::", mrd=0, bad_csum=False):
    """24-byte MLDv1 message: query 130, report 131, done 132."""
    return icmp6_msg(src, dst, struct.pack("!BBHHH16s", type_, 0, 0, mrd, 0,
                                           addr_bytes(group)), bad_csum)


def mld_v2_query(src, dst, group="::", sources=(), mrd=1000, s=0, qrv=2,
                 qqic=125, nsrc=None, bad_csum=False, trunc=None):
    """MLDv2 query (>= 28 bytes); nsrc overrides the count, trunc cuts the
    message to that many bytes before the checksum is computed."""
    n = len(sources) if nsrc is None else nsrc
    b = struct.pack("!BBHHH16sBBH", 130, 0, 0, mrd, 0, addr_bytes(group),
                    (s << 3) | qrv, qqic, n)
    b += b"".join(addr_bytes(x) for x in sources)
    if trunc is not None:
        b = b[:trunc]
    return icmp6_msg(src, dst, b, bad_csum)


def mld_v2_report(src, dst, records, nrec=None, bad_csum=False):
    """MLDv2 report; records as _records() takes them."""
    n = len(records) if nrec is None else nrec
    return icmp6_msg(src, dst, struct.pack("!BBHHH", 143, 0, 0, 0, n) +
                     _records(records, 16), bad_csum)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def ether(dst_mac, src_mac, ethertype, payload, pad=True):
    """Ethernet frame, padded to the 60-byte minimum like a real NIC."""
    f = mac_bytes(dst_mac) + mac_bytes(src_mac) + \
        struct.pack("!H", ethertype) + payload
    if pad and len(f) < 60:
        f += b"\0" * (60 - len(f))
    return f


def frame4(ip_packet, src_mac="02:00:00:00:00:01"):
    """Ethernet frame for an IPv4 packet, to the destination's group MAC."""
    dst = socket.inet_ntoa(ip_packet[16:20])
    return ether(mcast_mac(dst), src_mac, 0x0800, ip_packet)


def frame6(ip_packet, src_mac="02:00:00:00:00:01"):
    dst = socket.inet_ntop(socket.AF_INET6, ip_packet[24:40])
    return ether(mcast_mac(dst), src_mac, 0x86dd, ip_packet)


class L2Sender:
    """AF_PACKET socket bound to dev in netns ns, for injecting frames."""

    def __init__(self, dev, ns=None):
        with in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            self.sock.bind((dev, 0))
        self.dev = dev

    def send(self, frame):
        n = self.sock.send(frame)
        check(n == len(frame), "short send on %s: %d of %d" %
              (self.dev, n, len(frame)))

    def close(self):
        self.sock.close()


# ----------------------------------------------------------- scapy (lazy)

def scapy_layers():
    """Import only the scapy layers the tests need (~3 s under TCG)."""
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import IP, IPOption_Router_Alert
    from scapy.layers.inet6 import (IPv6, IPv6ExtHdrHopByHop, RouterAlert,
                                    ICMPv6MLQuery2)
    from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
    return dict(Ether=Ether, IP=IP, IPv6=IPv6,
                IPOption_Router_Alert=IPOption_Router_Alert,
                IPv6ExtHdrHopByHop=IPv6ExtHdrHopByHop,
                RouterAlert=RouterAlert, ICMPv6MLQuery2=ICMPv6MLQuery2,
                IGMPv3=IGMPv3, IGMPv3mq=IGMPv3mq)


def scapy_igmpv3_query(S, src, dst, group, sources=(), mrc=100, qrv=2,
                       qqic=125):
    """Independent encoding (scapy) of the valid IGMPv3 query ipv4()/
    igmp_v3_query() build; returns the IP packet bytes."""
    q = S["IP"](src=src, dst=dst, ttl=1, tos=0xc0, id=1, flags=0,
                options=[S["IPOption_Router_Alert"]()]) / \
        S["IGMPv3"](type=0x11, mrcode=mrc) / \
        S["IGMPv3mq"](gaddr=group, qrv=qrv, qqic=qqic,
                      srcaddrs=list(sources))
    return bytes(q)


def scapy_mldv2_query(S, src, dst, group="::", sources=(), mrd=1000, qrv=2,
                      qqic=125):
    q = S["IPv6"](src=src, dst=dst, hlim=1) / \
        S["IPv6ExtHdrHopByHop"](options=[S["RouterAlert"](value=0)]) / \
        S["ICMPv6MLQuery2"](mrd=mrd, mladdr=group, QRV=qrv, QQIC=qqic,
                            sources=list(sources))
    return bytes(q)


# ------------------------------------------------------ the two families

# Group record types (RFC 9776 §4.2.12, RFC 9777 §5.2.12).
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6
REC_NAMES = {IS_IN: "IS_IN", IS_EX: "IS_EX", TO_IN: "TO_IN",
             TO_EX: "TO_EX", ALLOW: "ALLOW", BLOCK: "BLOCK"}


class Fam:
    """What IGMP and MLD do differently, for tests that run both.

    Versions are given as levels: 3 = IGMPv3 / MLDv2, 2 = IGMPv2 / MLDv1,
    1 = IGMPv1. Message kinds follow the counters: "v3" (IGMPv3 / MLDv2
    report), "v2" (IGMPv2 / MLDv1 report), "v1" (IGMPv1 report), "leave"
    (Leave / Done) and "query"."""

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.rec_hdr = 4 + self.alen            # group record header
        self.vcol = self.name + "_version"      # ifaces / interfaces column
        self.maxparam = self.name + "_max_version"

    def __repr__(self):
        return self.name.upper()

    def ver(self, level):
        """The version number that level has in `ifaces` (igmp_version /
        mld_version)."""
        return level if self.v4 else level - 1

    def kind(self, type_):
        return self.kinds.get(type_, "type%s" % type_)

    def per_pkt(self, mtu):
        """Zero-source records that fit in one report at mtu."""
        return (mtu - self.iphdr - 8) // self.rec_hdr

    def fit(self, mtu):
        """Sources that fit in a record alone in a report at mtu."""
        return (mtu - self.iphdr - 8 - self.rec_hdr) // self.alen

    def is_ll(self, group):
        """A link-local group (224.0.0.x, ff02::/16): reported only with
        report_link_local=1."""
        b = addr_bytes(group)
        return b[:3] == b"\xe0\0\0" if self.v4 else b[:2] == b"\xff\x02"

    def code(self, level, mrt):
        """The Max Resp Code of a query of level with Max Resp Time mrt
        seconds (only the linear range: IGMP 1/10 s, MLD ms)."""
        c = int(round(mrt * (10 if self.v4 else 1000)))
        check(c < (128 if self.v4 else 32768), "MRT %s s is not linear" % mrt)
        return c

    def query(self, src, group=None, sources=(), level=3, mrt=1.0, code=None,
              qrv=2, qqic=125, dst=None, ttl=1, ra=True, **kw):
        """An IP packet carrying a query (kw: the raw builder's nsrc,
        bad_csum, ...; IPv4 ident/mf/frag_off, IPv6 frag)."""
        group = group or self.any
        dst = dst or (self.all_hosts if group == self.any else group)
        code = self.code(level, mrt) if code is None else code
        ipkw = {k: kw.pop(k) for k in ("ident", "mf", "frag_off", "frag")
                if k in kw}
        if self.v4:
            if level == 3:
                msg = igmp_v3_query(group, sources, code, qrv=qrv, qqic=qqic,
                                    **kw)
            else:
                msg = igmp_v12(0x11, 0 if level == 1 else code, group, **kw)
            return ipv4(src, dst, msg, ttl=ttl, ra=ra, **ipkw)
        if level == 3:
            msg = mld_v2_query(src, dst, group, sources, code, qrv=qrv,
                               qqic=qqic, **kw)
        else:
            msg = mld_v1(src, dst, 130, group, code, **kw)
        return ipv6(src, dst, 58, msg, hlim=ttl, hbh=HBH_RA if ra else None,
                    **ipkw)

    def report(self, src, group):
        """Another host's IGMPv2 / MLDv1 report for group."""
        if self.v4:
            return ipv4(src, group, igmp_v12(0x16, 0, group))
        return ipv6(src, group, 58, mld_v1(src, group, 131, group))

    def frame(self, ip_packet, src_mac="02:00:00:00:00:01"):
        return (frame4 if self.v4 else frame6)(ip_packet, src_mac)


IGMP = Fam(name="igmp", v4=True, af=socket.AF_INET, ethertype=0x0800,
           alen=4, iphdr=24, any="0.0.0.0", all_hosts="224.0.0.1",
           v3_dst="224.0.0.22", leave_dst="224.0.0.2",
           kinds={0x11: "query", 0x12: "v1", 0x16: "v2", 0x17: "leave",
                  0x22: "v3"}, sol=socket.IPPROTO_IP)
MLD = Fam(name="mld", v4=False, af=socket.AF_INET6, ethertype=0x86dd,
          alen=16, iphdr=48, any="::", all_hosts="ff02::1",
          v3_dst="ff02::16", leave_dst="ff02::2",
          kinds={130: "query", 131: "v2", 132: "leave", 143: "v3"},
          sol=socket.IPPROTO_IPV6)
FAMS = (IGMP, MLD)


def fam_of(addr):
    return IGMP if len(addr_bytes(addr)) == 4 else MLD


# ------------------------------------------------------- captured packets

class Pkt:
    """One captured IPv4 packet carrying IGMP or IPv6 packet carrying MLD,
    parsed from raw bytes.

    t (kernel timestamp, CLOCK_REALTIME), fam (IGMP/MLD, None if neither),
    src, dst, ttl (IPv6: hop limit), tos (IPv4), ra (a Router Alert: IPv4
    option, or IPv6 Hop-by-Hop option of value 0), ext (IPv6 extension
    headers in order), iplen, type, group (v1/v2 messages and queries),
    records (v3 reports: [(rtype, group, (sources...))] in packet order),
    errors (every malformation found)."""

    def __init__(self, data, t=0.0):
        self.t, self.raw, self.errors, self.records = t, bytes(data), [], []
        self.fam = self.type = self.group = self.src = self.dst = None
        self.ttl = self.tos = None
        self.ra, self.ext, self.iplen = False, [], len(data)
        d = self.raw
        v = d[0] >> 4 if d else 0
        p = self._ip4(d) if v == 4 and len(d) >= 20 else \
            self._ip6(d) if v == 6 and len(d) >= 40 else None
        if p is not None:
            self._msg(p)

    def _ip4(self, d):
        ihl = (d[0] & 0xf) * 4
        self.iplen = struct.unpack("!H", d[2:4])[0]
        self.tos, self.ttl = d[1], d[8]
        self.src, self.dst = socket.inet_ntoa(d[12:16]), \
            socket.inet_ntoa(d[16:20])
        if d[9] != 2:
            return None
        self.fam = IGMP
        if ihl < 20 or len(d) < ihl:
            self.errors.append("bad IPv4 IHL %#x" % d[0])
            return None
        if csum(d[:ihl]) != 0:
            self.errors.append("bad IPv4 header checksum")
        if self.iplen != len(d):
            self.errors.append("IP total length %d != %d bytes received" %
                               (self.iplen, len(d)))
        self.ra = RA4 in _ip_options(d[20:ihl])
        if struct.unpack("!H", d[6:8])[0] & 0x3fff:
            self.errors.append("IP fragment")
        p = d[ihl:self.iplen]
        if len(p) >= 4 and csum(p) != 0:
            self.errors.append("bad IGMP checksum")
        return p

    def _ip6(self, d):
        plen = struct.unpack("!H", d[4:6])[0]
        nh, self.ttl = d[6], d[7]
        self.src = socket.inet_ntop(socket.AF_INET6, d[8:24])
        self.dst = socket.inet_ntop(socket.AF_INET6, d[24:40])
        if 40 + plen != len(d):
            self.errors.append("payload length %d != %d bytes received" %
                               (plen, len(d) - 40))
            d = d[:40 + plen]
        off = 40
        while nh in (0, 43, 44, 60):
            if len(d) - off < 8:
                self.errors.append("extension header %d overruns" % nh)
                return None
            hlen = 8 if nh == 44 else (d[off + 1] + 1) * 8
            if len(d) - off < hlen:
                self.errors.append("extension header %d overruns" % nh)
                return None
            self.ext.append(nh)
            if nh == 0:
                if len(self.ext) != 1:
                    self.errors.append("Hop-by-Hop header not first")
                self._hbh(d[off + 2:off + hlen])
            nh = d[off]
            off += hlen
        p = d[off:]
        if nh != 58 or not p or p[0] not in MLD.kinds:
            return None
        self.fam, self.iplen = MLD, len(d)
        pseudo = d[8:40] + struct.pack("!IxxxB", len(p), 58)
        if csum(pseudo + p) != 0:
            self.errors.append("bad ICMPv6 checksum")
        return p

    def _hbh(self, opts):
        i = 0
        while i < len(opts):
            if opts[i] == 0:
                i += 1
                continue
            if i + 1 >= len(opts) or i + 2 + opts[i + 1] > len(opts):
                self.errors.append("Hop-by-Hop option overruns")
                return
            if opts[i] == 5:
                v = opts[i + 2:i + 2 + opts[i + 1]]
                if self.ra or v != b"\0\0":
                    self.errors.append("Router Alert %r (a second one, or "
                                       "not MLD's value 0)" % v)
                self.ra = True
            elif opts[i] != 1:
                self.errors.append("unexpected Hop-by-Hop option %d" %
                                   opts[i])
            i += 2 + opts[i + 1]

    def _msg(self, p):
        f = self.fam
        v1len = 8 if f.v4 else 24          # v1/v2 messages, old queries
        if len(p) < 8:
            self.errors.append("message too short: %d bytes" % len(p))
            return
        self.type = p[0]
        kind = f.kind(p[0])
        if kind in ("query", "v1", "v2", "leave"):
            if len(p) < v1len:
                self.errors.append("%s of %d bytes" % (kind, len(p)))
                return
            self.group = socket.inet_ntop(f.af, p[v1len - f.alen:v1len])
            if kind != "query" and len(p) != v1len:
                self.errors.append("%s message of %d bytes" % (kind, len(p)))
            if kind != "query" and not f.v4 and \
                    (p[1] or p[4:8] != b"\0" * 4):
                self.errors.append("MLDv1 code/max delay/reserved not zero")
        elif kind == "v3":
            self._records(p)

    def _records(self, p):
        """Walk the group records: header 4 + alen bytes, alen per source,
        4 per aux word."""
        a, af = self.fam.alen, self.fam.af
        if p[1] or p[4:6] != b"\0\0":
            self.errors.append("v3 report: reserved fields not zero")
        off = 8
        for i in range(struct.unpack("!H", p[6:8])[0]):
            if len(p) - off < 4 + a:
                self.errors.append("record %d overruns the packet" % i)
                return
            rtype, aux, ns = struct.unpack("!BBH", p[off:off + 4])
            end = off + 4 + a + a * ns + 4 * aux
            if end > len(p):
                self.errors.append("record %d (%d sources) overruns the "
                                   "packet" % (i, ns))
                return
            if aux:
                self.errors.append("record %d has aux data" % i)
            if rtype not in REC_NAMES:
                self.errors.append("record %d: bad type %d" % (i, rtype))
            s0 = off + 4 + a
            self.records.append((rtype, socket.inet_ntop(af, p[off + 4:s0]),
                                 tuple(socket.inet_ntop(af, p[s0 + a * j:
                                                              s0 + a * j + a])
                                       for j in range(ns))))
            off = end
        if off != len(p):
            self.errors.append("%d bytes after the last record" %
                               (len(p) - off))

    def kind(self):
        return self.fam.kind(self.type) if self.fam else "non-IGMP/MLD"

    def __repr__(self):
        body = " ".join(rec_str(r) for r in self.records) \
            if self.kind() == "v3" else "group %s" % self.group
        return "<%.3f %s>%s %s %s%s>" % (
            self.t % 1000, self.src, self.dst, self.kind(), body,
            " ERR %s" % self.errors if self.errors else "")


def _ip_options(opts):
    """The IPv4 options as a list of raw option byte strings."""
    out, i = [], 0
    while i < len(opts):
        if opts[i] == 0:
            break
        if opts[i] == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        out.append(bytes(opts[i:i + opts[i + 1]]))
        i += opts[i + 1]
    return out


def rec_str(r):
    return "%s(%s){%s}" % (REC_NAMES.get(r[0], r[0]), r[1], ",".join(r[2]))


def rec(rtype, group, sources=()):
    """A record as records() returns it (canonical, sources sorted)."""
    return (rtype, canon(group), tuple(sort_sources(sources)))


def records(pkts):
    """All v3 report records of pkts, in arrival order, sources sorted (the
    addresses are canonical already: inet_ntop)."""
    return [(r[0], r[1], tuple(sorted(r[2], key=lambda a, af=p.fam.af:
                                      socket.inet_pton(af, a))))
            for p in pkts if p.kind() == "v3" for r in p.records]


def snd_expect(pkts, errors=0):
    """The snd_* counter changes that the captured packets imply."""
    k = [p.kind() for p in pkts]
    return {"snd_reports": len(pkts), "snd_v1_reports": k.count("v1"),
            "snd_v2_reports": k.count("v2"), "snd_leaves": k.count("leave"),
            "snd_v3_reports": k.count("v3"), "snd_errors": errors}


def check_framing(p, src, what, dst=None):
    """The framing every report of ours must have (RFC 9776 §4, RFC 2236
    §2, RFC 9777 §5, RFC 2710 §3): well-formed, TTL / hop limit 1, Router
    Alert (IPv4: TOS 0xc0; IPv6: in a Hop-by-Hop header, first and only),
    our source, the right destination per message type."""
    f = p.fam
    if dst is None:
        dst = {"v3": f.v3_dst, "leave": f.leave_dst}.get(p.kind(), p.group)
    got = {"errors": p.errors, "ttl": p.ttl, "ra": p.ra, "src": p.src,
           "dst": p.dst, "more": p.tos if f.v4 else p.ext}
    eq(got, {"errors": [], "ttl": 1, "ra": True, "src": canon(src),
             "dst": canon(dst), "more": 0xc0 if f.v4 else [0]},
       "%s: framing of %r (more: %s)" % (what, p, "TOS" if f.v4 else
                                         "IPv6 extension headers"))


# ------------------------------------------------------------- capture

ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_STATISTICS, PACKET_OUTGOING = 263, 6, 4
SO_RCVBUFFORCE = 33
SO_TIMESTAMPNS = 35


class Capture:
    """An AF_PACKET socket on dev (netns ns) read by a background thread.

    The thread only stores the frames with the kernel's receive timestamp,
    so that it keeps up with bursts; get() parses the incoming IGMP and MLD
    packets (Pkt) and fails if the socket dropped a frame. With raw=True
    only the times of incoming IGMP and MLD frames are kept (those with a
    Hop-by-Hop header first, as mchost sends them). send() injects a frame
    through another socket on the same device and returns the kernel
    timestamp of its transmission (the copy this socket sees of it)."""

    def __init__(self, dev, ns=None, raw=False):
        with in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(ETH_P_ALL))
            self.sock.bind((dev, ETH_P_ALL))
            self.tx = L2Sender(dev)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.settimeout(0.1)
        self.raw, self.dev = raw, dev
        self.lock = threading.Lock()
        self.pkts, self.sent, self.times, self.untimed = [], [], [], 0
        self.frames, self.drops = [], 0
        self.last = time.monotonic()     # when the thread last took a frame
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                data, anc, _, addr = self.sock.recvmsg(65535, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            self.last = time.monotonic()
            t = None
            for lvl, typ, val in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("@qq", val[:16])
                    t = sec + nsec / 1e9
            with self.lock:
                if t is None:
                    self.untimed += 1
                elif addr[2] == PACKET_OUTGOING:
                    self.sent.append((data, t))
                elif self.raw:
                    if data[12:14] == b"\x08\x00" and data[23] == 2 or \
                            data[12:14] == b"\x86\xdd" and data[20] == 0 \
                            and data[54] == 58 and data[62] in MLD.kinds:
                        self.times.append(t)
                else:
                    self.frames.append((data, t))

    def send(self, frame):
        """Send frame; return its kernel transmit timestamp."""
        with self.lock:
            n = len(self.sent)
        self.tx.send(frame)

        def seen():
            with self.lock:
                return [t for d, t in self.sent[n:] if d == frame]
        return wait_for(seen, 5, "the capture on %s to see our frame" %
                        self.dev, interval=0.002)[0]

    def get(self, since=None, until=None, fam=None, pred=None):
        """Packets that arrived in [since, until) (time.time() clock)."""
        eq(self.untimed, 0, "frames captured without a kernel timestamp")
        self.drops += struct.unpack("II", self.sock.getsockopt(
            SOL_PACKET, PACKET_STATISTICS, 8))[1]
        eq(self.drops, 0, "frames the capture on %s dropped" % self.dev)
        with self.lock:
            new, self.frames = self.frames, []
        for data, t in new:
            p = Pkt(data[14:], t)
            if p.fam:
                self.pkts.append(p)
        ps = list(self.pkts)
        return [p for p in ps if (since is None or p.t >= since) and
                (until is None or p.t < until) and
                (fam is None or p.fam is fam) and (pred is None or pred(p))]

    def wait(self, fn, timeout, what, since=None, fam=None):
        """Poll fn(packets since `since`) until it returns a true value."""
        return wait_for(lambda: fn(self.get(since, fam=fam)), timeout, what)

    def settle(self, quiet=0.3, timeout=60):
        """Wait until the thread has taken no frame for `quiet` seconds:
        it has caught up with a burst."""
        wait_for(lambda: time.monotonic() - self.last >= quiet, timeout,
                 "the capture to catch up", interval=0.05)

    def close(self):
        self.stop_ev.set()
        self.th.join(2)
        self.sock.close()
        self.tx.close()
