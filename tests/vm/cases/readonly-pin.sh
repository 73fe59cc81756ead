# Kernel rule 2, read-only pins (issue 10): an MR registered for remote
# reads only (IBV_ACCESS_REMOTE_READ) over a PROT_READ MAP_SHARED mapping of
# a DAX file opened O_RDONLY, under an exclusive layout lease.  The
# registration succeeds (6.1's ib_umem_get() asked FOLL_WRITE|FOLL_FORCE
# and failed with EFAULT), RDMA READ returns the file's bytes, RDMA WRITE
# fails with a remote access error, and the pin protects its range as a
# read-write pin does.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 7

head -c 1M /dev/urandom >f
holder_start -r -L exclusive f || bail "could not register a read-only MR"
is "$(holder_cmd rread 0 1M)" "ok rread" "RDMA READ of the read-only MR returns the file's bytes"
busy='Text file busy'
like "$(quick 5 truncate -s 4096 f)" "$busy" "truncate under the lease: ETXTBSY"
is "$(holder_cmd unlease)" "ok unlease" "the lease is released, the pin stays"
like "$(quick 5 fallocate -p -o 64K -l 4K f)" "$busy" "punch in the read-only pinned range: ETXTBSY"
like "$(holder_cmd write 0 4096)" "^fail write" "RDMA WRITE to the read-only MR fails"
like "$(cat holder.out)" "remote access error" "with a remote access error"
holder_stop
check "after deregistration, truncate succeeds" truncate -s 0 f
