# Kernel rule 2 (issue 9 hole 7): a MAP_PRIVATE fsdax mapping behaves as on
# the stock kernel: a long-term pin (ibv_reg_mr) of pages that are still
# the file's fails with EOPNOTSUPP, with or without a lease, and a pin of
# pages that are private copies (written before) succeeds; no lease is
# needed and no file pin is recorded.  Runs on the stock kernel as well.
# vm-fs: each
# vm-kernel: both
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 4

head -c 1M /dev/urandom >f
is "$(fp-regmr -d rxe0 -f f -p -n)" "ibv_reg_mr: Operation not supported (errno=EOPNOTSUPP)" \
	"private mapping, pages still the file's, no lease: EOPNOTSUPP"
if [ "$(fp-lease exclusive f)" = "errno=EINVAL" ]; then
	ok "# SKIP no layout leases on this kernel"
else
	is "$(fp-regmr -d rxe0 -f f -p -n -x)" "ibv_reg_mr: Operation not supported (errno=EOPNOTSUPP)" \
		"the same under an exclusive layout lease: EOPNOTSUPP"
fi
out=$(fp-regmr -d rxe0 -f f -p)
like "$out" "^registered 1048576 bytes" "private mapping, pages written before (private copies): registered"
if [ -e /proc/self/file_pins ]; then
	like "$out" "file_pins records: 0" "no file pin recorded for it"
else
	ok "# SKIP no /proc/<pid>/file_pins on this kernel"
fi
