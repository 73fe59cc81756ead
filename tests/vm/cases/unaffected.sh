# Kernel rule 2, the other half: device DAX, anonymous memory and
# page-cache files (tmpfs, ext4 without DAX) register exactly as on the
# stock kernel -- no lease needed, nothing refused.
# vm-fs: none
# vm-kernel: both
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 5

check "anonymous memory registers" fp-regmr -d rxe0 --anon --length 2M
check "a tmpfs file registers without a lease" fp-regmr -d rxe0 --file /tmp/pagecache --length 2M
spare_mount ext4 never || bail "cannot make a non-DAX ext4 on the spare namespace"
like "$(grep ' /mnt/spare ' /proc/mounts)" 'dax=never' "the spare ext4 is mounted dax=never"
check "a non-DAX ext4 file registers without a lease" fp-regmr -d rxe0 --file /mnt/spare/f --length 2M
umount /mnt/spare
spare_ns devdax || bail "cannot make a devdax namespace"
check "device DAX (/dev/dax2.0) registers without a lease" \
	fp-regmr -d rxe0 --file /dev/dax2.0 --length 2M
spare_ns fsdax >/dev/null
