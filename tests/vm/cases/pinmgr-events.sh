# A truncate and a hole punch refused because of a pin reach "pinctl events"
# with the caller's pid and command, the file, the range and the reason;
# pinmgr logs them and the kernel log names them too.
# vm-fs: each
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 19

pm_start || bail "pinmgr does not start"
pinctl events -f -J >events.json 2>events.err &
ev_pid=$!
ph_start holder -l 1M "$FILEPIN_DIR/data" || bail "pm-holder cannot pin"
sleep 0.5

out=$(sh -c 'echo $$; exec truncate -s 0 "$1"' sh "$FILEPIN_DIR/data" 2>&1)
tpid=$(printf '%s\n' "$out" | head -n 1)
like "$out" 'Text file busy' "truncate of the pinned file is refused (ETXTBSY)"
pm_wait_for events.json '"op":"truncate"' 10 && ok "the refusal reaches pinctl events -f" ||
	not_ok "the refusal reaches pinctl events -f"
ev=$(grep '"op":"truncate"' events.json | head -n 1)
like "$ev" "\"pid\":$tpid," "with the caller's pid ($tpid)"
like "$ev" '"comm":"truncate"' "and its command"
like "$ev" "\"path\":\"$FILEPIN_DIR/data\"" "and the file"
like "$ev" '"offset":0,"length":1048576' "and the range (new size 0, 1 MiB cut)"
like "$ev" '"reason":"(lease|pin)"' "and the reason"
like "$ev" '"action":"report"' "policy report: reported only"

out=$(fallocate -p -o 4096 -l 8192 "$FILEPIN_DIR/data" 2>&1) && not_ok "punch hole refused" ||
	ok "punch hole refused: $out"
pm_wait_for events.json '"op":"punch-hole"' 10 && ok "the punch hole reaches pinctl events" ||
	not_ok "the punch hole reaches pinctl events"
like "$(grep '"op":"punch-hole"' events.json)" '"offset":4096,"length":8192' "with its range"
like "$(grep '"op":"truncate"' events.json | head -n 1)" '"missed":0' "no event missed"
like "$(grep '"op":"punch-hole"' events.json)" '"missed":0' "the next one follows without a gap"

# collapse range moves every block after the range, but the event carries
# the range of the request
out=$(fallocate -c -o 4096 -l 4096 "$FILEPIN_DIR/data" 2>&1) && not_ok "collapse range refused" ||
	ok "collapse range refused: $out"
pm_wait_for events.json '"op":"collapse-range"' 10 && ok "the collapse range reaches pinctl events" ||
	not_ok "the collapse range reaches pinctl events"
like "$(grep '"op":"collapse-range"' events.json)" '"offset":4096,"length":4096,' \
	"with the offset and length passed to fallocate"

ino=$(stat -c %i "$FILEPIN_DIR/data")
like "$(dmesg | tail -n 50)" "filepin: truncate\\[$tpid\\] \\(tgid $tpid\\): truncate of [0-9]+:[0-9]+ ino $ino \\(.*/data\\) offset 0 length 1048576 refused" \
	"the kernel log names the caller, the file and the range of the refused truncate"
like "$(pm_log)" "truncate of $FILEPIN_DIR/data \\(dev [0-9]+:[0-9]+ ino [0-9]+, offset 0 length 1048576\\) by pid $tpid \\(truncate\\) refused" \
	"pinmgr logged it"
out=$(pinctl events)
is "$(printf '%s\n' "$out" | grep -c refused)" 3 "pinctl events (not following) lists all three"
kill "$ev_pid"
ph_stop
