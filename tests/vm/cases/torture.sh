# The invariant, tested directly (issue 9): fp-torture runs pinners
# (exclusive layout leases, rxe MRs and the debugfs pin hook, munmap/mremap
# under the MR, fork, SIGKILL) against attackers (truncate, O_TRUNC, every
# fallocate mode, reflink/dedupe on xfs, EXT4_IOC_MOVE_EXT on ext4,
# copy_file_range) for FILEPIN_TORTURE_SECONDS (default 60) and checks that
# the blocks under live pins never change (FIEMAP), refusals are ETXTBSY at
# once, unleased files accept layout changes, MR data lands in the file and
# in no canary, and no pins are left.  The file system is remounted with
# dax=inode (a chattr +x directory holds the DAX files, a plain one the
# non-DAX MOVE_EXT originals), checked with fsck.ext4 -fn / xfs_repair -n
# after the run and mounted back with dax=always.
# Long mode: FILEPIN_TORTURE_SECONDS=600 tests/vm/run --debug tests/vm/cases/torture.sh
# vm-fs: each
# vm-timeout: 420
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 14

secs=${FILEPIN_TORTURE_SECONDS:-60}
dev=$(awk -v m="$FILEPIN_MNT" '$2 == m { print $1 }' /proc/mounts)
[ -b "$dev" ] || bail "no block device under $FILEPIN_MNT"
cd / || bail "cd /"
remount_back() { mount -o dax=always "$dev" "$FILEPIN_MNT" && mkdir -p "$FILEPIN_DIR"; }
umount "$FILEPIN_MNT" || bail "cannot unmount $FILEPIN_MNT"
if ! mount -o dax=inode "$dev" "$FILEPIN_MNT"; then
	remount_back
	bail "mount -o dax=inode failed"
fi
t=$FILEPIN_MNT/torture-$$
mkdir -p "$t/dax" "$t/plain" && chattr +x "$t/dax" && : >"$t/dax/probe"
check "files in a chattr +x directory on a dax=inode mount are DAX" fp-isdax "$t/dax/probe"

nodax=
[ "$FILEPIN_FS" = ext4 ] && nodax="--nodax-dir $t/plain"
# shellcheck disable=SC2086 # $nodax is two words or none
fp-torture --seconds "$secs" --tap-start 1 $nodax ${FILEPIN_TORTURE_ARGS:-} "$t/dax"
rc=$?
_tap_n=$((_tap_n + 8))
[ $rc -le 1 ] || diag "fp-torture exited with $rc (setup failure)"
is "$rc" 0 "fp-torture exit status"

check "no file_pins left in any process" sh -c '! cat /proc/[0-9]*/file_pins 2>/dev/null | grep -q .'
rm -rf "$t"
check "unmount after the run" umount "$FILEPIN_MNT"
case $FILEPIN_FS in
ext4) check "fsck.ext4 -fn is clean" fsck.ext4 -fn "$dev" ;;
xfs) check "xfs_repair -n is clean" xfs_repair -n "$dev" ;;
esac
check "mounted back with dax=always" remount_back
