# Benchmarks of issue 5 (medians printed; the goals are reported, not
# enforced): /proc/<pid>/file_pins with 10000 MRs; pinctl list with 1000
# processes and 10000 pins, against lslocks on as many leases; refusal ->
# event latency at a subscriber; break round trip.
# vm-fs: ext4
# vm-timeout: 1200
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 6

b=$PM_VM/pm-bench
out=$("$b" file-pins "$FILEPIN_DIR/many" 10000 2>&1)
is "$?" 0 "/proc/self/file_pins with 10000 MRs"
diag "$out"
out=$("$b" list-fake "$PM_RUN/fakeproc" 1000 10000 "$(command -v pinctl)" 2>&1)
is "$?" 0 "pinctl list, 1000 processes, 10000 pins"
diag "$out"
out=$("$b" locks "$PM_RUN/leases" 1000 10000 2>&1)
is "$?" 0 "lslocks, 1000 processes, 10000 leases (reference)"
diag "$out"

pm_start "policy $FILEPIN_DIR/brk break 5" || bail "pinmgr does not start"
mkdir -p "$FILEPIN_DIR/brk"
ph_start holder -l 64K "$FILEPIN_DIR/ev" || bail "pm-holder cannot pin"
out=$("$b" event "$PM_SOCK" "$FILEPIN_DIR/ev" 50 2>&1)
is "$?" 0 "refusal -> event latency"
diag "$out"
ph_stop
out=$("$b" break "$PM_VM/pm-holder" "$FILEPIN_DIR/brk/data" 20 2>&1)
is "$?" 0 "break round trip"
diag "$out"
check "pinmgr stops cleanly" pm_stop
