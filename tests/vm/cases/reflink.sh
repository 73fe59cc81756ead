# Kernel rule 4 for xfs reflink: sharing blocks into a pinned file is
# refused; sharing out of it (cp --reflink from the pinned file) either is
# refused or leaves the pinned file's blocks the MR's: a later write()
# through the file stays visible to RDMA.
# vm-fs: xfs
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 5

head -c 4M /dev/urandom >pinned
head -c 4M /dev/urandom >other
holder_start -L exclusive -l 4M pinned || bail "could not pin the file"
like "$(quick 5 cp --reflink=always other pinned)" "Text file busy" \
	"cp --reflink=always into the pinned file: ETXTBSY"
head -c 4096 pinned >same   # identical data, so only the pin can refuse it
like "$(quick 5 xfs_io -c "dedupe same 0 0 4096" pinned)" "Text file busy" \
	"dedupe into the pinned file: ETXTBSY"
out=$(quick 5 cp --reflink=always pinned copy 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	diag "reflink out of the pinned file was allowed; checking it is safe"
	is "$(holder_cmd read 0 4M)" "ok read" "after reflinking out, write() to the pinned file is seen by RDMA READ"
	check "the copy kept the old data (not the new write)" sh -c '! cmp -s pinned copy'
else
	like "$out" "Text file busy" "cp --reflink=always from the pinned file: refused with ETXTBSY"
	is "$(holder_cmd read 0 4M)" "ok read" "write() to the pinned file is seen by RDMA READ"
fi
is "$(holder_cmd dereg)" "ok dereg" "deregistration"
holder_stop
