# Issue 9 hole 8: pin records are bounded per owner.  One debugfs file pins
# the same page again and again (one record per pin): the 65537th pin fails
# with ENOSPC (FILEPIN_MAX_RECORDS), and closing the owner drops them all.
# vm-fs: ext4
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
[ -e /sys/kernel/debug/file_pins_test ] || skip_all "no /sys/kernel/debug/file_pins_test"
plan 2

: >f
is "$(fp-hole records f)" "records: 65536 pins, then errno=ENOSPC" \
	"65536 pin records for one owner, then ENOSPC"
is "$(quick 10 truncate -s 0 f && echo truncated)" "truncated" \
	"closing the owner dropped them all"
