# The series' own kselftest (tools/testing/selftests/filesystems/file_pins),
# built by kernel/build-kernel for the booted kernel: rules 1-7 through the
# debugfs long-term pin interface, without RDMA.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"

t=$FILEPIN_KDIR/selftests/filesystems/file_pins/file_pins_test
[ -x "$t" ] || skip_all "this kernel has no file_pins kselftest ($t)"
exec "$t" "$FILEPIN_DIR"
