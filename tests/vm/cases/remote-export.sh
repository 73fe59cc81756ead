#!/bin/sh
# Remote peers of exported pins (issue 14), across two guests: this guest
# (A) runs pinmgr with "listen", exports pins with tokens; the peer (B)
# connects over rdma_cm with pm-remote and moves bytes.  Attacks over the
# wire: a wrong token, a revoked token, a token of pin X used with pin Y's
# rkey, a WRITE to a read-only export, a WRITE beyond the range; and the
# teardown: after unpin the peer's next operation fails and the file can
# be truncated.
# vm-fs: each
# vm-peer: yes
# vm-timeout: 400
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 38

A=$FILEPIN_SELF_ADDR
REMOTE=$FILEPIN_BUILD/tests/daemon/vm/pm-remote
peer_ready || bail "no peer guest"
pm_start "listen $A" "max-peers 8" || bail "pinmgr does not start"

x=$FILEPIN_DIR/x
y=$FILEPIN_DIR/y
dd if=/dev/zero of="$x" bs=1M count=2 2>/dev/null
dd if=/dev/zero of="$y" bs=1M count=1 2>/dev/null
# exported pins: "ID RKEY TOKEN"
export_pin() {
	pinctl pin "$@" --device rxe0 --export >pin.out 2>&1
	sed -n 's/^id=\([0-9]*\) .* rkey=\(0x[0-9a-f]*\) .*token=\([0-9a-f]*\).*/\1 \2 \3/p' pin.out
}
# shellcheck disable=SC2046
set -- $(export_pin "$x" --offset 64K --length 1M)
idx=${1:-} rkx=${2:-} tx=${3:-}
# shellcheck disable=SC2046
set -- $(export_pin "$y" --read-only)
idy=${1:-} rky=${2:-} ty=${3:-}
w=$FILEPIN_DIR/w
dd if=/dev/zero of="$w" bs=1M count=1 2>/dev/null
# shellcheck disable=SC2046
set -- $(export_pin "$w")
tw=${3:-}
if [ -n "$tx" ] && [ -n "$ty" ] && [ -n "$tw" ]; then
	ok "pin --export prints a token (X: $idx, Y read-only: $idy)"
else
	not_ok "pin --export prints a token"
	diag "$(cat pin.out)"
	diag "$(pm_log | tail -n 10)"
fi
is "${#tx}" 32 "a token is 32 hex digits (128 random bits)"

# 1. read-write export: B writes a pattern and reads it back
out=$(peer "$REMOTE $A $tx write 65536 1048576 0xa5 read 65536 1048576 0xa5")
is "$?" 0 "B writes 1 MiB into X's range at offset 64 KiB and reads it back"
like "$out" "connected iova=65536 length=1048576 rkey=$rkx access=rw" \
	"B got X's descriptor: iova = file offset, length, rkey, read-write"
check "A's file holds the pattern at 64 KiB" \
	sh -c "dd if='$x' bs=64K skip=1 count=16 2>/dev/null | tr -d '\245' | wc -c | grep -qx 0"
check "nothing outside the range changed" \
	sh -c "cmp -n 65536 '$x' /dev/zero && dd if='$x' bs=64K skip=17 2>/dev/null | cmp - /dev/zero -n 917504"
out=$(peer "$REMOTE $A $tx write 1114112 4096 0x11")
like "$out" "fail write .*remote access error" "a WRITE beyond the range fails on B"
check "the byte after the range is untouched" \
	sh -c "dd if='$x' bs=4096 skip=272 count=1 2>/dev/null | cmp - /dev/zero -n 4096"

# 2. read-only export
out=$(peer "$REMOTE $A $ty read 0 4096 0x00 write 0 4096 0x33")
like "$out" "access=ro" "Y is exported read-only"
like "$out" "ok read 0\+4096" "READ of the read-only export works"
# the peer's QP of a read-only export does not even allow RDMA WRITE
# (a NAK, invalid request), and the MR behind it would refuse it too
like "$out" "fail write 0\+4096: .*remote (invalid request|access) error" \
	"WRITE to the read-only export fails with a remote error"
check "Y is untouched" cmp "$y" /dev/zero -n 1048576

# 4. wrong, malformed, cross-pin and revoked tokens
bad=0123456789abcdef0123456789abcdef
out=$(peer "$REMOTE $A $bad read 65536 4096 0xa5")
is "$?" 3 "a wrong token is refused"
like "$out" "refused: .*Permission denied" "the peer is told it was refused"
out=$(peer "$REMOTE $A not-a-token read 65536 4096 0xa5")
is "$?" 3 "a malformed token is refused"
out=$(peer "$REMOTE $A $tx rkey $rky read 0 4096 0x00")
like "$out" "fail read 0\+4096: .*remote access error" "X's token cannot reach Y's MR (Y's rkey from X's QP)"
check "pinctl revoke TOKEN" pinctl revoke "$ty"
out=$(peer "$REMOTE $A $ty read 0 4096 0x00")
is "$?" 3 "a revoked token is refused"
like "$(pm_log)" "refused .*(unknown|revoked) token" "refused connections are logged"

# 3. teardown: B connected; A unpins; B's next operation fails
# (B's next operation waits until A has unpinned, truncated X and written a
# new file that may have X's old blocks: B never reaches reallocated blocks)
peer "$REMOTE $A $tx write 65536 4096 0x11 touch \$FILEPIN_SHARE/b-in wait \$FILEPIN_SHARE/reallocated write 65536 4096 0x22 >b.out 2>&1 &" >/dev/null
wait_until 60 test -e "$FILEPIN_SHARE/b-in" || diag "B did not connect: $(peer 'cat b.out')"
like "$(pinctl list -r -n -o ID,SOURCE,PEERS | grep "^$idx ")" \
	"^$idx ([a-z]+,)?service,export 192\.0\.2\.2:[0-9]+/[0-9]+$" "pinctl list shows the export and its peer (address/QP)"
like "$(pinctl list -J -o ID,PEERS)" "\"peers\": *\"192\.0\.2\.2:[0-9]+/[0-9]+\"" "and so does its JSON"
# B's one 4 KiB WRITE so far: 4 packets of rxe's 1024-byte path MTU on a
# 1500-byte link (rxe counts no bytes per QP: pinctl(8) MOVED)
like "$(pinctl list -r -n -o ID,PEERS,MOVED | grep "^$idx ")" \
	"^$idx 192\.0\.2\.2:[0-9]+/[0-9]+ 4pkt$" "pinctl list MOVED: the packets B's 4 KiB WRITE moved"
out=$(quick 10 truncate -s 0 "$x")
like "$out" "Text file busy" "while exported, truncate on A fails with ETXTBSY"
out=$(quick 10 fallocate -p -o 65536 -l 4096 "$x")
like "$out" "Text file busy" "while exported, a hole punch in the range fails with ETXTBSY"
# the kernel's refusal event names the file; pinmgr names the export
refused_export() {
	pinctl events | grep -E "^[^ ]+ seq=[0-9]+ $1 refused .* export=$idx peers=192\.0\.2\.2:[0-9]+/[0-9]+ .*path=$x\$"
}
wait_until 60 refused_export truncate >/dev/null
like "$(refused_export truncate)" "truncate refused" \
	"pinctl events: the truncate's refusal names the export (pin id, peer address/QP)"
wait_until 60 refused_export punch-hole >/dev/null
like "$(refused_export punch-hole)" "punch-hole refused" "and so does the punch's"
like "$(pinctl events -J | grep '"op":"truncate"')" "\"export\":$idx,\"peer\":\"192\.0\.2\.2:[0-9]+/[0-9]+\"" \
	"and its JSON"
like "$(pm_log)" "truncate of $x .* refused: .*; exported pin $idx, peers 192\.0\.2\.2:[0-9]+/[0-9]+" \
	"pinmgr's log names the export too"
check "pinctl unpin X" pinctl unpin "$idx"
check "after unpin, the truncate on A succeeds" truncate -s 0 "$x"
# a new file that takes the blocks X gave back, with known contents
dd if=/dev/zero bs=1M count=8 2>/dev/null | tr '\000' '\146' >"$FILEPIN_DIR/new"
sync
: >"$FILEPIN_SHARE/reallocated"
peer 'wait_until 60 grep -q "^\(ok\|fail\) write 65536+4096$\|^fail write 65536+4096:" b.out' >/dev/null
out=$(peer 'cat b.out')
like "$out" "fail write 65536\+4096: .*" "after unpin, truncate and a new file on A, B's next operation on its old QP fails"
diag "$out"
out=$(peer "$REMOTE $A $tw rkey $rkx write 65536 4096 0x22 write 0 4096 0x22")
like "$out" "fail write 65536\+4096: .*remote access error" \
	"B's old rkey of X, sent through another export's live QP, fails"
out=$(peer "$REMOTE $A $tx write 65536 4096 0x22")
is "$?" 3 "X's token is refused after the unpin"
check "the new file on A is unchanged (B never reached reallocated blocks)" \
	sh -c "tr -d '\146' <'$FILEPIN_DIR/new' | wc -c | grep -qx 0"
ev=$(pinctl events)
like "$ev" "export action=peer-refused peer=192\.0\.2\.2:[0-9]+ " "pinctl events shows refused connections"
like "$ev" "export action=peer-connected peer=192\.0\.2\.2:[0-9]+/[0-9]+ .*path=$x\$" \
	"and the peers of an export, with its file"
like "$ev" "export action=peer-disconnected peer=192\.0\.2\.2:[0-9]+/[0-9]+ .*path=$x\$" \
	"and their end"
check "pinmgr stops" pm_stop
