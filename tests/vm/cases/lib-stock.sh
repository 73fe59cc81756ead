# Baseline on the stock kernel: with libfilepin preloaded, registering a
# DAX file fails as before (EOPNOTSUPP) - the library cannot take an
# exclusive layout lease there - and FILEPIN_LOG=err says why; anonymous
# memory registers as usual.
# vm-fs: each
# vm-kernel: stock
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
lib=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1
[ -e "$lib" ] || skip_all "libfilepin.so.1 is not built"
plan 4

out=$(LD_PRELOAD=$lib fp-regmr -d rxe0 --anon --length 1M 2>&1)
is "$?" 0 "with libfilepin, anonymous memory registers ($out)"
out=$(LD_PRELOAD=$lib FILEPIN_LOG=err fp-regmr -d rxe0 --file dax-file --length 1M 2>err.out)
is "$?:$out" "1:ibv_reg_mr: Operation not supported (errno=EOPNOTSUPP)" \
	"with libfilepin on a stock kernel, a $FILEPIN_FS DAX file still fails with EOPNOTSUPP"
like "$(cat err.out)" "lacks filepin" "FILEPIN_LOG=err says the kernel lacks filepin"
check "no lease is left behind" sh -c '! grep -q LEASE /proc/locks'
