# The invariant, tested directly (issue 9): fp-torture runs pinners
# (exclusive layout leases, rxe MRs and the debugfs pin hook, munmap/mremap
# under the MR, fork, SIGKILL) against attackers (truncate, O_TRUNC, every
# fallocate mode, reflink/dedupe/XFS_IOC_SWAPEXT on xfs, EXT4_IOC_MOVE_EXT
# and EXT4_IOC_SWAP_BOOT on ext4, copy_file_range, chattr -x/+x of the
# files and their directory) for FILEPIN_TORTURE_SECONDS (default 60) and
# checks that the blocks under live pins never change (FIEMAP), refusals
# are ETXTBSY at once (an extent swap of a pinned file: ETXTBSY and nothing
# else), unleased files accept layout changes, chattr ±x succeeds and the
# open files stay DAX, MR data lands in the file and in no canary, and no
# pins are left.  It runs on a fresh file system on the
# spare pmem namespace (made 2 MiB aligned, so that PMD mappings happen),
# mounted with dax=inode: a chattr +x directory holds the DAX files, a
# plain one the non-DAX MOVE_EXT originals.  After the run the file system
# is unmounted and checked with fsck.ext4 -fn / xfs_repair -n.
# Long mode: FILEPIN_TORTURE_SECONDS=600 tests/vm/run --debug tests/vm/cases/torture.sh
# vm-fs: each
# vm-timeout: 420
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 15

secs=${FILEPIN_TORTURE_SECONDS:-60}
dev=/dev/pmem2
mnt=/mnt/torture
ndctl create-namespace --force --reconfig=namespace2.0 --mode=fsdax \
	--align=2M >/tmp/torture-ns.json 2>&1 ||
	bail "cannot make namespace2.0 a 2 MiB aligned fsdax namespace: $(cat /tmp/torture-ns.json)"
mkdir -p "$mnt"
case $FILEPIN_FS in
# No metadata_csum: stock 6.1 ext4 EXT4_IOC_SWAP_BOOT of a file whose
# extent tree has depth 1 leaves the boot loader inode's extent blocks
# with checksums seeded for the old inode (fsck: "Inode 5 extent block
# passes checks, but checksum does not match extent"), seen on the stock
# kernel too; swaps of unleased, unpinned files must succeed here.
ext4) mkfs.ext4 -q -F -b 4096 -O ^metadata_csum "$dev" ;;
xfs) mkfs.xfs -q -f "$dev" ;;
esac || bail "mkfs.$FILEPIN_FS $dev failed"
check "mount -o dax=inode $dev" mount -o dax=inode "$dev" "$mnt"
t=$mnt/torture
mkdir -p "$t/dax" "$t/plain" && chattr +x "$t/dax" && : >"$t/dax/probe"
check "files in a chattr +x directory on a dax=inode mount are DAX" fp-isdax "$t/dax/probe"

nodax=
[ "$FILEPIN_FS" = ext4 ] && nodax="--nodax-dir $t/plain"
# shellcheck disable=SC2086 # $nodax is two words or none
fp-torture --seconds "$secs" --tap-start "$_tap_n" $nodax ${FILEPIN_TORTURE_ARGS:-} "$t/dax"
rc=$?
_tap_n=$((_tap_n + 9))
[ $rc -le 1 ] || diag "fp-torture exited with $rc (setup failure)"
is "$rc" 0 "fp-torture exit status"

check "no file_pins left in any process" sh -c '! cat /proc/[0-9]*/file_pins 2>/dev/null | grep -q .'
cd / || bail "cd /"
check "unmount after the run" umount "$mnt"
case $FILEPIN_FS in
ext4) check "fsck.ext4 -fn is clean" fsck.ext4 -fn "$dev" ;;
xfs) check "xfs_repair -n is clean" xfs_repair -n "$dev" ;;
esac
spare_ns fsdax >/dev/null	# as the other cases expect it
