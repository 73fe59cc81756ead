# Policy break: a refused truncate makes pinmgr ask the owner (a libfilepin
# program with a revoke callback) to give its pin up, and the retried
# truncate succeeds; "pinctl break --wait" does the same on demand, and
# fails naming the owners that refuse, do not answer, or cannot be asked.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 14

pm_start "policy $FILEPIN_DIR break 5" || bail "pinmgr does not start"
ph_start holder -l 1M "$FILEPIN_DIR/data" || bail "pm-holder cannot pin"
out=$(truncate -s 0 "$FILEPIN_DIR/data" 2>&1) && not_ok "the first truncate is refused" ||
	ok "the first truncate is refused: $out"
pm_wait_for holder.out '^revoked$' 10 && ok "the owner's revoke callback deregistered" ||
	not_ok "the owner's revoke callback deregistered"
check "the retried truncate succeeds" pm_retry 5 truncate -s 0 "$FILEPIN_DIR/data"
like "$(pinctl events)" 'truncate refused .* action=break' "the event says a break was started"
like "$(pm_log)" "break of $FILEPIN_DIR/data: no longer pinned" "pinmgr logged the result"

ph_cmd pin
pm_wait_for holder.out '^ok pin' 10 || diag "re-pin: $(tail -n 2 holder.out)"
like "$(pinctl -r -n -p "$ph_pid" -o SOURCE)" 'lib' "pinned again"
out=$(pinctl break "$FILEPIN_DIR/data" --wait 2>&1)
is "$?" 0 "pinctl break --wait returns 0"
like "$out" 'no longer pinned \(1 pin' "and says the file is no longer pinned"
check "truncate works after the break" truncate -s 0 "$FILEPIN_DIR/data"
ph_stop

ph_start refuser --refuse -l 1M "$FILEPIN_DIR/data" || bail "pm-holder --refuse cannot pin"
out=$(pinctl break "$FILEPIN_DIR/data" --wait --timeout 2 2>&1)
is "$?" 4 "break --wait with a refusing owner exits 4"
like "$out" "pid $ph_pid \\(pm-holder, uid 0\\)" "naming the owner"
ph_stop

holder_start -l 1M "$FILEPIN_DIR/plain" || bail "fp-pin cannot pin"
out=$(pinctl break "$FILEPIN_DIR/plain" --wait --timeout 1 2>&1)
is "$?" 4 "break --wait on a program without libfilepin exits 4"
like "$out" "pid $holder_pid \\(fp-pin, uid 0\\): does not use libfilepin" "naming it and why"
holder_stop
out=$(truncate -s 0 "$FILEPIN_DIR/plain" 2>&1)
is "$?" 0 "truncate works once fp-pin is gone"
