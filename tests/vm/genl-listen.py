#!/usr/bin/env python3
# genl-listen.py: join the kernel's generic-netlink family "filepin",
# multicast group "events", print "ready", then one line per message:
#   cmd=N name=value ...
# (attribute names as in <linux/filepin.h>, without FILEPIN_ATTR_), until
# killed.  For VM cases: needs CAP_NET_ADMIN, no libraries.
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NLM_F_REQUEST = 1
NLMSG_ERROR = 2

# enum filepin_attr: name, kind (u32, u64 or str)
ATTRS = {
    1: ("op", "u32"), 2: ("pid", "u32"), 3: ("tgid", "u32"),
    4: ("comm", "str"), 5: ("dev_major", "u32"), 6: ("dev_minor", "u32"),
    7: ("ino", "u64"), 8: ("offset", "u64"), 9: ("length", "u64"),
    10: ("reason", "u32"), 11: ("seq", "u64"), 13: ("device", "str"),
    14: ("pins", "u32"), 15: ("path", "str"),
}


def parse_attrs(buf):
    out = {}
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("HH", buf, off)
        if alen < 4:
            break
        out[atype & 0x3FFF] = buf[off + 4:off + alen]
        off += (alen + 3) & ~3
    return out


def messages(data):
    off = 0
    while off + 16 <= len(data):
        mlen, mtype, _flags, _seq, _pid = struct.unpack_from("IHHII", data, off)
        if mlen < 16:
            break
        yield mtype, data[off + 16:off + mlen]
        off += (mlen + 3) & ~3


def resolve(sock, name):
    nm = name.encode() + b"\0"
    attr = struct.pack("HH", 4 + len(nm), CTRL_ATTR_FAMILY_NAME) + nm
    attr += b"\0" * (-len(attr) % 4)
    body = struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + attr
    sock.send(struct.pack("IHHII", 16 + len(body), GENL_ID_CTRL,
                          NLM_F_REQUEST, 1, 0) + body)
    for mtype, payload in messages(sock.recv(65536)):
        if mtype == NLMSG_ERROR:
            sys.exit("genl-listen: no family %s" % name)
        tb = parse_attrs(payload[4:])
        groups = {}
        for grp in parse_attrs(tb.get(CTRL_ATTR_MCAST_GROUPS, b"")).values():
            g = parse_attrs(grp)
            gname = g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
            groups[gname] = struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
        return struct.unpack("H", tb[CTRL_ATTR_FAMILY_ID][:2])[0], groups
    sys.exit("genl-listen: no answer")


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    family, groups = resolve(sock, "filepin")
    sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groups["events"])
    print("ready", flush=True)
    while True:
        for mtype, payload in messages(sock.recv(1 << 16)):
            if mtype != family:
                continue
            words = ["cmd=%d" % payload[0]]
            for atype, val in sorted(parse_attrs(payload[4:]).items()):
                if atype not in ATTRS:
                    continue
                name, kind = ATTRS[atype]
                if kind == "u32":
                    v = str(struct.unpack("I", val[:4])[0])
                elif kind == "u64":
                    v = str(struct.unpack("Q", val[:8])[0])
                else:
                    v = val.rstrip(b"\0").decode(errors="replace")
                words.append("%s=%s" % (name, v))
            print(" ".join(words), flush=True)


main()
