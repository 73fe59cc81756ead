# pinmgr restarted while a program holds a pin rebuilds its registry from
# /proc; the program keeps its pin and is not disturbed.
# vm-fs: each
# vm-timeout: 180
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 7

pm_start || bail "pinmgr does not start"
ph_start holder -l 1M "$FILEPIN_DIR/data" || bail "pm-holder cannot pin"
before=$(pinctl -r -n -p "$ph_pid" -o PID,OWNER,START,END,PAGES,PATH)
check "pinmgr stops" pm_stop
out=$(pinctl status 2>&1)
is "$?" 3 "pinctl status: not running (exit 3)"
pm_start || bail "pinmgr does not start again"
is "$(pinctl -r -n -p "$ph_pid" -o PID,OWNER,START,END,PAGES,PATH)" "$before" \
	"the registry is rebuilt: the same pin"
kill -0 "$ph_pid" && ok "the program still runs" || not_ok "the program still runs"
out=$(truncate -s 0 "$FILEPIN_DIR/data" 2>&1)
like "$out" 'Text file busy' "its pin still protects the file"
like "$(cat "/proc/$ph_pid/file_pins")" "$FILEPIN_DIR/data" "and the kernel still shows it"
ph_stop
is "$(pinctl -r -n -p "$ph_pid")" "" "and it goes away when the program ends"
