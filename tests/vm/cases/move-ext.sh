# Issue 9 hole 1: EXT4_IOC_MOVE_EXT with a pinned DAX file as the donor.
# On ext4 with per-inode DAX (no dax=always; FS_XFLAG_DAX on a directory,
# chattr +x), swapping a pinned donor's blocks into a non-DAX file would
# let them be freed while the MR still writes them.  Either file leased or
# pinned: ETXTBSY; a DAX donor, like a DAX original: EOPNOTSUPP.  FIEMAP
# shows that the pinned file's blocks stay where they were.
# vm-timeout: 180
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 9

spare_mount ext4 inode || bail "cannot make ext4 with per-inode DAX on the spare namespace"
cd /mnt/spare || bail "no /mnt/spare"
mkdir dax plain
chattr +x dax || bail "chattr +x failed"
head -c 1M /dev/urandom >dax/pinned
head -c 1M /dev/urandom >plain/orig
head -c 1M /dev/urandom >plain/donor
sync	# no delayed allocation left: MOVE_EXT needs the blocks allocated
fp-isdax dax/pinned >/dev/null || bail "dax/pinned is not DAX: $(fp-isdax dax/pinned)"
fp-isdax plain/orig >/dev/null && bail "plain/orig is DAX"

holder_start -L exclusive -l 1M dax/pinned || bail "could not pin dax/pinned"
before=$(xfs_io -r -c "fiemap -v" dax/pinned)
is "$(quick 10 fp-hole moveext plain/orig dax/pinned)" "moveext: errno=ETXTBSY" \
	"MOVE_EXT with the pinned DAX file as the donor: ETXTBSY"
is "$(xfs_io -r -c "fiemap -v" dax/pinned)" "$before" \
	"FIEMAP: the pinned file's blocks did not move"
is "$(holder_cmd write 0 1M)" "ok write" "RDMA WRITE still lands in the pinned file"
is "$(holder_cmd dereg)" "ok dereg" "deregistration"
holder_stop

is "$(quick 10 fp-hole moveext plain/orig dax/pinned)" "moveext: errno=EOPNOTSUPP" \
	"an unpinned DAX donor: EOPNOTSUPP, like a DAX original"
is "$(quick 10 fp-hole moveext dax/pinned plain/orig)" "moveext: errno=EOPNOTSUPP" \
	"a DAX original: EOPNOTSUPP (unchanged)"

# An exclusive layout lease on a non-DAX file refuses it too (rule 4)
lease_hold exclusive plain/donor lease.out || bail "could not take the exclusive lease"
is "$(quick 10 fp-hole moveext plain/orig plain/donor)" "moveext: errno=ETXTBSY" \
	"a donor under an exclusive layout lease: ETXTBSY"
lease_release
like "$(quick 10 fp-hole moveext plain/orig plain/donor)" "^moveext: ok" \
	"two non-DAX files without leases: MOVE_EXT works"
cd / && umount /mnt/spare
check "fsck.ext4 finds the file system clean" fsck.ext4 -fn /dev/pmem2
