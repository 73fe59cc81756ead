# The main demo, run inside the guest by tools/demo.sh: what an ordinary
# RDMA program meets when it registers memory of a file on a DAX mount.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 3

say() { echo "#   \$ $*"; "$@" 2>&1 | sed 's/^/#   /'; }
diag "kernel $(uname -r), $FILEPIN_FS on $(grep " $FILEPIN_MNT " /proc/mounts | cut -d' ' -f1,4)"
diag "RDMA device: $(rdma link show rxe0/1)"
head -c 4M /dev/zero >data
say fp-isdax data
check "anonymous memory registers (ibv_reg_mr)" fp-regmr -d rxe0 --anon --length 4M
out=$(fp-regmr -d rxe0 --file data --length 4M 2>&1)
diag "ibv_reg_mr over a MAP_SHARED mapping of $FILEPIN_MNT/.../data:"
diag "  $out"
like "$out" 'errno=(EOPNOTSUPP|EPERM)' \
	"the stock kernel refuses to pin fsdax pages long-term"
check "truncate of the file is not guarded (nothing is pinned)" truncate -s 0 data
