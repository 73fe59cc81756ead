# Issue 9 hole 3: a pin in part of a 2 MiB DAX entry (PMD) protects the
# whole entry, whether or not the file is mapped.  The first 4 KiB of a
# PMD-mapped 2 MiB range are pinned; a punch elsewhere in the same entry is
# refused while mapped, and must still be refused after munmap (before,
# it went through, removed the entry with its pinned page and hit the
# WARN_ON_ONCE in dax_disassociate_entry()); so must a truncate into it.
# PMD mappings need 2 MiB aligned blocks: the file system is made on the
# spare namespace with 2 MiB alignment and a 2 MiB stripe unit.
# vm-fs: each
# vm-timeout: 180
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 7

spare_mount_pmd "$FILEPIN_FS" || bail "cannot make a 2 MiB aligned $FILEPIN_FS on the spare namespace"
cd /mnt/spare || bail "no /mnt/spare"
: >f
[ "$FILEPIN_FS" = xfs ] && xfs_io -c "extsize 2m" f
fallocate -l 4M f
holder_start -L exclusive -A 2M -l 2M -R 4K -T f || bail "could not pin the file"
is "$(holder_cmd unlease)" "ok unlease" "lease released: only the pin protects the file"
busy='Text file busy'
out=$(quick 5 fallocate -p -o 1M -l 4K f)
case $out in
*"$busy"*) ok "mapped: punch in the pinned PMD entry, outside the pinned page: ETXTBSY" ;;
*) skip_rest=1; ok "# SKIP the file is not mapped with a PMD entry here (punch: '$out')" ;;
esac
is "$(holder_cmd unmap)" "ok unmap" "munmap while pinned"
if [ -z "${skip_rest:-}" ]; then
	like "$(quick 5 fallocate -p -o 1M -l 4K f)" "$busy" \
		"unmapped: the same punch gets the same answer, ETXTBSY"
	like "$(quick 5 truncate -s 1M f)" "$busy" \
		"unmapped: truncate into the pinned PMD entry: ETXTBSY"
else
	ok "# SKIP no PMD entry"
	ok "# SKIP no PMD entry"
fi
is "$(holder_cmd write 0 4K)" "ok write" "RDMA WRITE to the pinned page still lands in the file"
is "$(holder_cmd dereg)" "ok dereg" "deregistration"
holder_stop
cd / && umount /mnt/spare
