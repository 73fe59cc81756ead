#!/bin/sh
# pinmgr.conf(5) "listen [IPv6]:PORT" across two guests (issue 14): pinmgr
# listens on this guest's IPv6 link-local address of the link (with its
# %eth0 scope) on a port of its own; the peer checks the export with
# pinctl remote (libfilepin-remote) over IPv6 and reads back what it
# wrote.
# vm-fs: ext4
# vm-peer: yes
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
peer_ready || bail "no peer guest"
ll6() { ip -6 -o addr show dev eth0 scope link 2>/dev/null | sed -n 's/.* inet6 \(fe80::[0-9a-f:]*\)\/64 .*/\1/p' | head -n 1; }
wait_until 60 sh -c "ip -6 -o addr show dev eth0 scope link | grep -v tentative | grep -q fe80" ||
	skip_all "no IPv6 link-local address on eth0 (IPv6 off in this kernel?)"
A6=$(ll6)
plan 6
check "this guest has an IPv6 link-local address on the link ($A6)" test -n "$A6"
pm_start "listen [$A6%eth0]:7480" || bail "pinmgr does not start"
like "$(pm_log)" "listening for remote peers of exported pins on \[$A6%eth0\]:7480" \
	"pinmgr listens on [$A6%eth0]:7480"
f=$FILEPIN_DIR/v6
dd if=/dev/zero of="$f" bs=1M count=1 2>/dev/null
tok=$(pinctl pin "$f" --device rxe0 --export | sed -n 's/.* token=\([0-9a-f]*\)$/\1/p')
[ -n "$tok" ] || bail "no export: $(pm_log | tail -n 5)"
out=$(peer "wait_until 60 pinctl remote '[$A6%eth0]:7480' $tok >desc.out 2>&1; cat desc.out")
like "$out" "^address=\[$A6%eth0\]:7480 iova=0 length=1048576 rkey=0x[0-9a-f]+ access=rw qpn=[0-9]+$" \
	"the peer connects over IPv6 and gets the descriptor"
out=$(peer "printf 'over IPv6' | pinctl remote '[$A6%eth0]:7480' $tok --write --offset 4096 &&
	pinctl remote '[$A6%eth0]:7480' $tok --read --offset 4096 --length 9")
is "$out" "over IPv6" "the peer writes and reads back over IPv6"
is "$(dd if="$f" bs=1 skip=4096 count=9 2>/dev/null)" "over IPv6" "the bytes are in A's file"
check "pinmgr stops" pm_stop
