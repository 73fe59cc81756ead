# 2 MiB DAX mappings (PMD faults) pin like 4 KiB ones.  The file is 2 MiB
# aligned, the mapping too; before registering, every page is read while
# the file is still a hole (4 KiB hole entries), then ibv_reg_mr write-faults
# the range, which may now be mapped by PMDs -- the hole-then-write sequence
# of seed 002 -- and the usual checks follow.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 6

: >f
[ "$FILEPIN_FS" = xfs ] && xfs_io -c "extsize 2m" f
truncate -s 8M f
holder_start -L exclusive -A 2M -l 8M -T f || bail "could not pin the file"
is "$(holder_cmd write 0 8M)" "ok write" "RDMA WRITE over the whole 8 MiB is seen by read()"
is "$(holder_cmd read 2M 4M)" "ok read" "write() is seen by RDMA READ"
like "$(quick 5 fallocate -p -o 2M -l 2M f)" "Text file busy" "punch of a whole 2 MiB extent: ETXTBSY"
like "$(quick 5 truncate -s 2M f)" "Text file busy" "truncate to 2 MiB: ETXTBSY"
is "$(holder_cmd dereg)" "ok dereg" "deregistration"
holder_stop
check "truncate succeeds after dereg" truncate -s 0 f
