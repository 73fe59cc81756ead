# Baseline on the stock kernel: ibv_reg_mr of anonymous memory succeeds, of
# a MAP_SHARED mapping of a file on a DAX mount fails with EOPNOTSUPP (the
# FOLL_LONGTERM fsdax refusal filepin replaces).
# vm-fs: each
# vm-kernel: stock
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 2

out=$(fp-regmr -d rxe0 --anon --length 1M 2>&1)
is "$?" 0 "ibv_reg_mr of 1 MiB anonymous memory succeeds ($out)"
out=$(fp-regmr -d rxe0 --file dax-file --length 1M 2>&1)
rc=$?
is "$rc $out" "1 ibv_reg_mr: Operation not supported (errno=EOPNOTSUPP)" \
	"ibv_reg_mr of a shared mapping of a $FILEPIN_FS DAX file fails with EOPNOTSUPP"
