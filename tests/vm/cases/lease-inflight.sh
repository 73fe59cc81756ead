# Kernel rule 4 (issue 9): an exclusive layout lease is granted only
# between layout changes.  A truncate, collapse, insert or punch that
# passed its lease check before the lease existed must not finish under it:
# the holder reads the size and extents after F_SETLEASE and relies on them
# (fp-torture saw ibv_reg_mr fail with EFAULT on a range that an in-flight
# collapse cut off after the pinner had looked).  fp-lease-inflight hammers
# the race for a bounded time; FIEMAP and the size must not change while
# the lease is held.
# vm-fs: each
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 2

out=$(fp-lease-inflight --seconds 15 --size 16M f 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
is "$rc" 0 "size and extents never changed under an exclusive layout lease"
like "$out" "refused=[1-9]" "layout changes under the lease were refused (the race was exercised)"
