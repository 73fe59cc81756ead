# Benchmarks of issue 5 (medians printed; the goals are reported, not
# enforced): /proc/<pid>/file_pins with 10000 MRs; pinctl list with 1000
# processes and 10000 pins, against lslocks on as many leases (issue 12:
# ratio <= 0.2); a LIST answered by pinmgr with 1k/10k/100k pins on a fake
# proc tree (issue 12: linear); refusal -> event latency at a subscriber;
# break round trip (issue 12: < 10 ms) and where its time goes.
# vm-fs: ext4
# vm-timeout: 1200
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 7

b=$PM_VM/pm-bench
out=$("$b" file-pins "$FILEPIN_DIR/many" 10000 2>&1)
is "$?" 0 "/proc/self/file_pins with 10000 MRs"
diag "$out"
out=$("$b" list-fake "$PM_RUN/fakeproc" 1000 10000 "$(command -v pinctl)" 2>&1)
is "$?" 0 "pinctl list, 1000 processes, 10000 pins"
diag "$out"
med() { sed -n "s/^$1: median \([0-9.]*\) ms.*/\1/p"; }
list_ms=$(echo "$out" | med "pinctl list")
out=$("$b" locks "$PM_RUN/leases" 1000 10000 2>&1)
is "$?" 0 "lslocks, 1000 processes, 10000 leases (reference)"
diag "$out"
locks_ms=$(echo "$out" | med lslocks)
diag "$(awk -v a="$list_ms" -v b="$locks_ms" 'BEGIN {
	if (a == "" || b + 0 <= 0) { print "pinctl list / lslocks: no ratio"; exit }
	r = a / b
	printf "pinctl list / lslocks (1000 processes, 10000 pins / leases): %.3f, goal <= 0.2: %s\n",
		r, r <= 0.2 ? "met" : "NOT met"
}')"
rm -rf "$PM_RUN/fakeproc"
out=$("$b" list-scale "$PM_RUN/scale" "$(command -v pinmgr)" 1000 10000 100000 2>&1)
is "$?" 0 "LIST answered by pinmgr, 1k/10k/100k pins"
diag "$out"
rm -rf "$PM_RUN/scale"

pm_start "policy $FILEPIN_DIR/brk break 5" || bail "pinmgr does not start"
mkdir -p "$FILEPIN_DIR/brk"
ph_start holder -l 64K "$FILEPIN_DIR/ev" || bail "pm-holder cannot pin"
out=$("$b" event "$PM_SOCK" "$FILEPIN_DIR/ev" 50 2>&1)
is "$?" 0 "refusal -> event latency"
diag "$out"
ph_stop
out=$("$b" break "$PM_VM/pm-holder" "$FILEPIN_DIR/brk/data" 20 rxe0 "$PM_RUN/pinmgr.log" 2>&1)
is "$?" 0 "break round trip"
diag "$out"
check "pinmgr stops cleanly" pm_stop
