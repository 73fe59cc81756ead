# Kernel rule 2: a long-term pin (ibv_reg_mr over rxe0) of fsdax pages needs
# an exclusive layout lease; with it, RDMA WRITE into the pinned range is
# seen by read() and write() is seen by RDMA READ.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 5

out=$(fp-pin -L none -l 1M f 2>&1)
is "$? $out" "1 ibv_reg_mr: Operation not permitted (errno=EPERM)" \
	"no lease: ibv_reg_mr of the DAX mapping fails with EPERM"
out=$(fp-pin -L layout -l 1M f 2>&1)
is "$? $out" "1 ibv_reg_mr: Operation not permitted (errno=EPERM)" \
	"plain F_LAYOUT lease: ibv_reg_mr fails with EPERM"
out=$(fp-pin -L exclusive -l 4M -V f 2>&1)
rc=$?
is "$rc" 0 "F_LAYOUT|F_EXCLUSIVE lease: ibv_reg_mr succeeds"
like "$out" '^verified: RDMA WRITE seen by read\(\), write\(\) seen by RDMA READ$' \
	"RDMA WRITE lands in the file and write() is seen by RDMA READ"
out=$(fp-pin -L exclusive -o 8M -l 1M -V f 2>&1)
like "$(echo $out)" 'registered 1048576 bytes at file offset 8388608 .* verified:' \
	"a mapping at a file offset pins and moves data too"
