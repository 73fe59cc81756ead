#!/bin/sh
# librpma's 05-flush-to-persistent shape across hosts (issue 14): the peer
# RDMA WRITEs into an export of a file on a fresh DAX file system and
# flushes it with an RDMA READ of the last byte written (the responder
# answers a READ only after the WRITEs before it are placed), using the
# project's own client; after pinmgr stops, the file system is unmounted
# and mounted again, and the bytes are in the file.
# vm-fs: each
# vm-peer: yes
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 6

A=$FILEPIN_SELF_ADDR
REMOTE=$FILEPIN_BUILD/tests/daemon/vm/pm-remote
peer_ready || bail "no peer guest"
spare_mount "$FILEPIN_FS" always || bail "no spare DAX file system"
grep -q " /mnt/spare .*dax=always" /proc/mounts || bail "/mnt/spare is not dax=always"
f=/mnt/spare/log
dd if=/dev/zero of="$f" bs=1M count=4 2>/dev/null
sync
pm_start "listen $A" || bail "pinmgr does not start"
tok=$(pinctl pin "$f" --device rxe0 --export --offset 1M --length 2M |
	sed -n 's/.* token=\([0-9a-f]*\)$/\1/p')
[ -n "$tok" ] || bail "no export: $(pm_log | tail -n 5)"
out=$(peer "$REMOTE $A $tok write 1048576 2097152 0x5c read 3145727 1 0x5c")
is "$?" 0 "the peer writes 2 MiB and flushes them with a READ"
diag "$out"
check "pinmgr stops (the export and the pin end)" pm_stop
check "umount" umount /mnt/spare
check "mount again" mount -o dax=always /dev/pmem2 /mnt/spare
check "the 2 MiB are in the file" \
	sh -c "dd if='$f' bs=1M skip=1 count=2 2>/dev/null | tr -d '\134' | wc -c | grep -qx 0"
check "and nothing around them changed" \
	sh -c "cmp -n 1048576 '$f' /dev/zero && dd if='$f' bs=1M skip=3 2>/dev/null | cmp -n 1048576 - /dev/zero"
umount /mnt/spare
