# Kernel rule 2 / issue 9 hole 7: a read-only pin of a shared (reflinked)
# xfs extent must never outlive a copy-on-write.  A read-only MR pins the
# shared blocks without a write fault; a write() to the file afterwards
# moves the file's range to new blocks (CoW), so the MR would keep reading
# blocks that now belong only to the other file, and go on reading them
# after that file is deleted and its blocks are reused.  A read-only pin
# of blocks that the file shares is refused (EBUSY); once the range has its
# own blocks (here: rewritten, which copies it), the pin works, and nothing
# can share the range again while the lease is held (reflink out: ETXTBSY).
# vm-fs: xfs
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 7

head -c 2M /dev/urandom >f
cp --reflink=always f other || bail "xfs reflink is not available here"
like "$(filefrag -v f)" "shared" "f shares its blocks with other (FIEMAP_EXTENT_SHARED)"
before=$(xfs_io -r -c "fiemap" f)
if holder_start -r -L exclusive -l 2M f; then
	xfs_io -c "pwrite -q 0 64K" f
	if [ "$(xfs_io -r -c "fiemap" f)" = "$before" ]; then
		diag "the pin was allowed; a write did not move the range"
	else
		diag "the pin was allowed; a write moved the pinned range (CoW): $(xfs_io -r -c "fiemap" f)"
	fi
	not_ok "a read-only pin of blocks the file shares is refused with EBUSY"
	holder_stop
else
	like "$(cat holder.out)" "EBUSY" \
		"a read-only pin of blocks the file shares is refused with EBUSY"
fi
# Rewrite the first MiB in place: the copy-on-write gives it its own blocks
dd if=f of=first bs=1M count=1 status=none
check "rewrite the first MiB (copy-on-write)" dd if=first of=f bs=1M count=1 conv=notrunc status=none
if holder_start -r -L exclusive -l 1M f; then
	ok "a read-only pin of the rewritten (unshared) first MiB works"
else
	not_ok "a read-only pin of the rewritten (unshared) first MiB works"
	bail "$(cat holder.out)"
fi
like "$(quick 5 cp --reflink=always f third 2>&1)" "Text file busy" \
	"reflink out of the read-only pinned file: ETXTBSY"
is "$(holder_cmd rread 0 1M)" "ok rread" "RDMA READ returns the file's bytes"
holder_stop
if holder_start -r -L exclusive -l 2M f; then
	not_ok "a read-only pin of the whole file (second MiB still shared) is refused with EBUSY"
	holder_stop
else
	like "$(cat holder.out)" "EBUSY" \
		"a read-only pin of the whole file (second MiB still shared) is refused with EBUSY"
fi
