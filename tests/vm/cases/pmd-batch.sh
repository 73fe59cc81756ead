# Issue 12: long-term pins of PMD-mapped DAX pages are taken a PMD at a time
# (one walk grabs every subpage from the address to the end of the PMD).
# The page references must balance exactly whatever the batch boundaries:
# a registration that starts and ends in the middle of PMDs (so each batch
# stops at a PMD edge or at the end of the range), and one that fails part
# way through a batch's call (the range runs past the end of the mapping:
# EFAULT after half a PMD was grabbed) leave nothing behind: punch and
# truncate of the whole file then succeed without a kernel warning (a
# stray page reference trips the WARN_ON in dax_disassociate_entry() when
# the punch removes the entry: checked with a kernel that took one extra
# reference per PMD batch; one too few trips the refcount checks), and the
# device can then be removed (a stray dev_pagemap reference would make
# that wait).  The file system is made on the spare namespace with 2 MiB
# alignment and stripe unit, as in pmd-unmapped.sh, so PMDs are used.
# vm-fs: each
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 8

spare_mount_pmd "$FILEPIN_FS" || bail "cannot make a 2 MiB aligned $FILEPIN_FS on the spare namespace"
cd /mnt/spare || bail "no /mnt/spare"
: >f
[ "$FILEPIN_FS" = xfs ] && xfs_io -c "extsize 2m" f
fallocate -l 16M f

# [1 MiB, 15 MiB) of a 16 MiB mapping: ib_umem pins it 2 MiB per call, so
# every call takes the second half of one PMD and the first half of the next.
out=$(quick 60 fp-regmr -d rxe0 -f f -x -A 2M -l 16M -s 1M -R 14M)
like "$out" "^registered 14680064 bytes" "register 14 MiB from 1 MiB into PMD-mapped DAX"
# [3 MiB, 5 MiB) of a 4 MiB mapping: the call grabs the last 1 MiB of the
# second PMD and then finds nothing mapped.
out=$(quick 60 fp-regmr -d rxe0 -f f -x -A 2M -l 4M -s 3M -R 2M)
like "$out" "errno=EFAULT" "a registration that runs past the mapping fails with EFAULT"
# The same across the whole file, PMD-aligned, then past its last PMD.
out=$(quick 60 fp-regmr -d rxe0 -f f -x -A 2M -l 16M -R 17M)
like "$out" "errno=EFAULT" "16 MiB of PMDs, then 1 MiB unmapped: EFAULT"
out=$(quick 60 fp-regmr -d rxe0 -f f -x -A 2M -l 16M)
like "$out" "^registered 16777216 bytes" "the whole 16 MiB registers again"
check "punch of the whole file succeeds (no WARN: no page left referenced)" \
	quick 60 fallocate -p -o 0 -l 16M f
check "truncate to 0 succeeds" quick 60 truncate -s 0 f
cd / && umount /mnt/spare
check "the namespace can be disabled (removed) at once" \
	quick 60 ndctl disable-namespace namespace2.0
check "and enabled again" quick 60 ndctl enable-namespace namespace2.0
