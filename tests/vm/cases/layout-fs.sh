# Kernel rule 1 (issue 9 hole 6): layout leases are granted only on file
# systems that enforce them; elsewhere (tmpfs, an overlay) F_LAYOUT fails
# with EINVAL.  A plain F_LAYOUT lease means the same on ext4 and xfs: it
# is broken by operations that free, move or share blocks, not by writes,
# extending truncates or allocating fallocate.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 7

mkdir -p /tmp/lf
echo data >/tmp/lf/t
is "$(fp-lease exclusive /tmp/lf/t)" "errno=EINVAL" "F_LAYOUT|F_EXCLUSIVE on tmpfs: EINVAL"
is "$(fp-lease layout /tmp/lf/t)" "errno=EINVAL" "plain F_LAYOUT on tmpfs: EINVAL"
is "$(fp-lease read /tmp/lf/t | head -n 1)" "lease read getlease=0" \
	"read leases on tmpfs are unchanged"

# An overlay with its lower layer on this DAX file system
mkdir -p low /tmp/ov/u /tmp/ov/w /tmp/ov/m
echo data >low/o
if mount -t overlay overlay -o "lowerdir=$PWD/low,upperdir=/tmp/ov/u,workdir=/tmp/ov/w" /tmp/ov/m 2>ov.err; then
	is "$(fp-lease exclusive /tmp/ov/m/o)" "errno=EINVAL" \
		"F_LAYOUT|F_EXCLUSIVE through overlayfs: EINVAL"
	umount /tmp/ov/m
else
	ok "# SKIP no overlayfs here: $(head -n 1 ov.err)"
fi
is "$(fp-lease exclusive low/o | head -n 1)" "lease exclusive getlease=48" \
	"on $FILEPIN_FS itself it is granted"

# A plain layout lease: not broken by writes or by adding blocks
echo 2 >/proc/sys/fs/lease-break-time
head -c 1M /dev/urandom >g
lease_hold layout g plain.out || bail "could not take the plain layout lease"
out=$(quick 10 sh -c 'echo appended >>g &&
	dd if=/dev/zero of=g bs=4k count=1 seek=1 conv=notrunc status=none &&
	truncate -s 2M g && fallocate -o 2M -l 1M g && echo done' 2>&1)
is "$out $(grep -c lease-break plain.out)" "done 0" \
	"write, append, extending truncate, allocating fallocate: the plain lease stays"
out=$(quick 10 fallocate -p -o 0 -l 64K g && echo punched)
is "$out $(grep -c lease-break plain.out)" "punched 1" \
	"a hole punch breaks it, then proceeds"
lease_release
