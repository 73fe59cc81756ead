# Issue 9 hole 2: the pin check is made again after the range is unmapped,
# with new faults blocked.  Two pinners pin random 64 KiB ranges (through
# the debugfs hook, lease released right after pinning), write through
# them, munmap and check with FIEMAP that the pinned blocks never change;
# two others truncate and punch at random meanwhile.  Bounded time.
# vm-fs: each
# vm-timeout: 150
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
[ -e /sys/kernel/debug/file_pins_test ] || skip_all "no /sys/kernel/debug/file_pins_test"
plan 2

out=$(fp-hole race f "${FILEPIN_RACE_SECONDS:-30}" 2>&1)
diag "$out"
like "$out" "race: invariant kept" "pinned blocks never changed while truncate and punch raced the pinners"
out=$(quick 10 truncate -s 0 f && echo truncated)
is "$out" "truncated" "no pin is left: the file can be truncated"
