#!/bin/sh
# Remote peers (issue 14), the exporter's end and the peer's tool: pinmgr
# killed with SIGKILL while a peer is connected: the peer's next operation
# fails, the pin goes with the process and the file can be truncated; a
# restarted pinmgr does not take the old token.  max-peers bounds the
# peers, max-exports a user's exports; a break policy tears the peers down
# and lets the truncate through.  "pinctl remote" on the
# peer shows an export, writes stdin into it and reads it back; a wrong
# token fails with a message.
# vm-fs: each
# vm-peer: yes
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 20

A=$FILEPIN_SELF_ADDR
REMOTE=$FILEPIN_BUILD/tests/daemon/vm/pm-remote
peer_ready || bail "no peer guest"
pm_start "listen $A" || bail "pinmgr does not start"
f=$FILEPIN_DIR/f
dd if=/dev/zero of="$f" bs=1M count=1 2>/dev/null
tok=$(pinctl pin "$f" --device rxe0 --export | sed -n 's/.* token=\([0-9a-f]*\)$/\1/p')
[ -n "$tok" ] || bail "no export: $(pm_log | tail -n 5)"

# pinctl remote
like "$(peer "pinctl remote $A $tok")" \
	"^address=$A iova=0 length=1048576 rkey=0x[0-9a-f]+ access=rw qpn=[0-9]+$" \
	"pinctl remote shows the export"
check "pinctl remote --write writes stdin at --offset" \
	peer "printf 'hello, pmem' | pinctl remote $A $tok --write --offset 8192"
is "$(dd if="$f" bs=1 skip=8192 count=11 2>/dev/null)" "hello, pmem" "the bytes are in A's file"
is "$(peer "pinctl remote $A $tok --read --offset 8192 --length 11")" "hello, pmem" \
	"pinctl remote --read reads them back"
out=$(peer "pinctl remote $A 0123456789abcdef0123456789abcdef" 2>&1)
is "$?" 1 "pinctl remote with a wrong token fails (exit 1)"
like "$out" "refused by the exporter" "and says it was refused"

# SIGKILL of pinmgr under a connected peer
peer "$REMOTE $A $tok write 0 4096 0x11 touch \$FILEPIN_SHARE/b-in wait \$FILEPIN_SHARE/killed read 0 4096 0x11 >b.out 2>&1 &" >/dev/null
wait_until 60 test -e "$FILEPIN_SHARE/b-in" || diag "B did not connect: $(peer 'cat b.out')"
like "$(quick 10 truncate -s 0 "$f")" "Text file busy" "while exported, truncate fails"
kill -KILL "$pm_pid"
pm_retry 20 test -e "$PM_RUN/pinmgr.rc"
is "$(cat "$PM_RUN/pinmgr.rc")" 137 "pinmgr killed with SIGKILL"
rm -f "$PM_RUN/pinmgr.pid" "$PM_RUN/pinmgr.rc"
: >"$FILEPIN_SHARE/killed"
peer 'wait_until 90 grep -q "^\(ok\|fail\) read" b.out' >/dev/null
out=$(peer 'cat b.out')
like "$out" "fail read 0\+4096: " "the peer's next operation fails"
diag "$out"
check "the pin went with pinmgr: the file can be truncated" \
	wait_until 30 truncate -s 0 "$f"
pm_start "listen $A" || bail "pinmgr does not start again"
out=$(peer "$REMOTE $A $tok read 0 4096 0x00")
is "$?" 3 "a restarted pinmgr refuses the old token"
pm_stop >/dev/null

# max-peers, and a break policy on an exported pin
pm_start "listen $A" "max-peers 2" "max-exports 1" "policy $FILEPIN_DIR break 2" ||
	bail "pinmgr does not start"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody dd if=/dev/zero of="$FILEPIN_DIR/n1" bs=64K count=1 2>/dev/null
nobody dd if=/dev/zero of="$FILEPIN_DIR/n2" bs=64K count=1 2>/dev/null
check "a user exports a pin" nobody pinctl pin "$FILEPIN_DIR/n1" --device rxe0 --export
like "$(nobody pinctl pin "$FILEPIN_DIR/n2" --device rxe0 --export 2>&1)" "max-exports" \
	"its second export is refused (max-exports 1)"
g=$FILEPIN_DIR/g
dd if=/dev/zero of="$g" bs=1M count=1 2>/dev/null
tok=$(pinctl pin "$g" --device rxe0 --export | sed -n 's/.* token=\([0-9a-f]*\)$/\1/p')
for h in h1 h2; do
	peer "$REMOTE $A $tok touch \$FILEPIN_SHARE/$h wait \$FILEPIN_SHARE/go read 0 4096 0x00 >$h.out 2>&1 &" >/dev/null
done
wait_until 60 test -e "$FILEPIN_SHARE/h1" -a -e "$FILEPIN_SHARE/h2" ||
	diag "the peers did not connect: $(peer 'cat h1.out h2.out')"
like "$(pinctl list -r -n -o PEERS "--path=$g")" "^[^,]+/[0-9]+,[^,]+/[0-9]+$" "two peers listed"
out=$(peer "$REMOTE $A $tok read 0 4096 0x00")
is "$?" 3 "a third peer is refused (max-peers 2)"
like "$out" "refused: .*busy" "as busy"
like "$(quick 10 truncate -s 0 "$g")" "Text file busy" "truncate of the exported file: ETXTBSY, and a break"
check "the break releases the export: the truncate goes through" wait_until 30 truncate -s 0 "$g"
: >"$FILEPIN_SHARE/go"
peer 'wait_until 60 grep -q "^\(ok\|fail\) read" h1.out' >/dev/null
like "$(peer 'cat h1.out')" "fail read 0\+4096: " "the peers' next operation fails"
check "pinmgr stops" pm_stop
