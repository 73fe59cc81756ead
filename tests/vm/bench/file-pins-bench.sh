# Benchmark of issues 9 and 12 (figures printed; the goals are reported,
# not enforced): reading /proc/self/file_pins with 10000 records against
# /proc/self/maps with 10000 VMAs in the same process (goal: ratio <= 2),
# and the pin+unpin latency of another process (median, max) while a
# reader loops over file_pins with 30000 records of one owner (100000 take
# too long to build and read on the old kernel under TCG).
# vm-fs: ext4
# vm-timeout: 1800
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
[ -e /sys/kernel/debug/file_pins_test ] || skip_all "no /sys/kernel/debug/file_pins_test"
plan 2

out=$(fp-pinlist bench "$FILEPIN_DIR/b" /dev/shm/vmas 10000 20 2>&1)
is "$?" 0 "file_pins with 10000 records against maps with 10000 VMAs"
diag "$out"
rm -f /dev/shm/vmas
n=${FILEPIN_BENCH_RECORDS:-30000}
out=$(fp-pinlist latency "$FILEPIN_DIR/l" "$FILEPIN_DIR/l2" "$n" 50 2>&1)
is "$?" 0 "pin+unpin latency while a reader loops over $n records"
diag "$out"
