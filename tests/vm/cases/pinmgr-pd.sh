# One protection domain per service pin (issue 10, hole 2): a peer whose
# QP pinmgr made for pin A uses pin B's rkey (rxe rkeys are guessable)
# and gets a remote access error; B's bytes stay untouched; with A's own
# rkey the same peer works.
# vm-fs: ext4
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 7

pm_start || bail "pinmgr does not start"
dd if=/dev/zero of="$FILEPIN_DIR/a" bs=1M count=1 2>/dev/null
dd if=/dev/zero of="$FILEPIN_DIR/b" bs=1M count=1 2>/dev/null
pin() {	# FILE: "ID RKEY"
	pinctl pin "$1" --device rxe0 2>&1 | sed -n 's/^id=\([0-9]*\) .* rkey=\(0x[0-9a-f]*\) .*/\1 \2/p'
}
set -- $(pin "$FILEPIN_DIR/a")
ida=${1:-} rka=${2:-}
set -- $(pin "$FILEPIN_DIR/b")
idb=${1:-} rkb=${2:-}
if [ -n "$ida" ] && [ -n "$idb" ]; then ok "two service pins (A $ida rkey $rka, B $idb rkey $rkb)"
else not_ok "two service pins"; diag "$(pm_log | tail -n 20)"; fi
out=$("$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "$ida" -k "$rkb" -d rxe0 -g 1 -o 0 -l 4K -S 9 2>&1)
is "$?" 2 "a peer of pin A writing with pin B's rkey fails"
like "$out" 'RDMA WRITE .*remote access error' "with a remote access error"
diag "$out"
out=$(cmp -n 4096 "$FILEPIN_DIR/b" /dev/zero 2>&1)
is "$?" 0 "B's bytes are untouched"
out=$("$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "$ida" -k "$rka" -d rxe0 -g 1 -o 0 -l 4K -S 9 2>&1)
is "$?" 0 "the same peer with A's own rkey works"
diag "$out"
check "the bytes are in A" "$PM_VM/pm-rdma-peer" --check "$FILEPIN_DIR/a" 0 4K 9
check "pinmgr stops" pm_stop
