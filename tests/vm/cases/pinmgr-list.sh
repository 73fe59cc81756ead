# pinmgr lists a libfilepin program's pin once, with the details of its MR
# (MRN, keys, device as "rdma resource show mr" has them), from /proc and
# from the library; pinctl without pinmgr reads /proc the same way.
# vm-fs: each
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 14

pm_start || bail "pinmgr does not start"
out=$(pinctl status)
like "$out" 'file_pins: +yes' "pinctl status: the kernel has /proc/<pid>/file_pins"
like "$out" 'kernel events: +subscribed to filepin/events' "pinctl status: subscribed to the kernel events"

ph_start holder -l 1M "$FILEPIN_DIR/data" || bail "pm-holder cannot pin"
like "$(cat "/proc/$ph_pid/file_pins")" "^fd:[0-9]+ /dev/infiniband/uverbs[0-9]+ [0-9]+:[0-9]+ [0-9]+ 0-255 256 $FILEPIN_DIR/data\$" \
	"/proc/<pid>/file_pins has the pin"
out=$(pinctl -r -n -p "$ph_pid" -o PID,COMMAND,OWNER,START,END,PAGES,SIZE,LKEY,RKEY,DEV,SOURCE,PATH)
is "$out" "$ph_pid pm-holder $(sed -n 's/^\(fd:[0-9]*\) .*/\1/p' "/proc/$ph_pid/file_pins") 0 1048575 256 1M $ph_lkey $ph_rkey rxe0 lib,proc $FILEPIN_DIR/data" \
	"pinctl list: one line, with the MR of the library"
is "$(pinctl -r -n -p "$ph_pid" | wc -l)" 1 "the pin is listed once"
mrn=$(pinctl -r -n -p "$ph_pid" -o MRN)
like "$mrn" '^[0-9]+$' "MRN known ($mrn)"
like "$(rdma resource show mr)" "mrn $mrn .*rkey $ph_rkey .*pid $ph_pid" \
	"rdma resource show mr agrees on MRN, rkey and pid"
out=$(pinctl -J -p "$ph_pid" -o PID,PAGES,RKEY,PATH)
like "$out" "\"rkey\": \"$ph_rkey\"" "pinctl -J has the rkey"
printf '%s' "$out" | python3 -m json.tool >/dev/null 2>&1 && ok "pinctl -J is valid JSON" ||
	not_ok "pinctl -J is valid JSON"
is "$(pinctl --proc /proc -r -n -p "$ph_pid" -o PID,PAGES,PATH)" "$ph_pid 256 $FILEPIN_DIR/data" \
	"pinctl --proc /proc (without pinmgr) lists it too"
out=$(pinctl show "$FILEPIN_DIR/data")
like "$out" '^PINNED: +yes \(1 range' "pinctl show: pinned"
ph_stop
is "$(pinctl -r -n -p "$ph_pid")" "" "gone when the program exits"
check "pinmgr stops cleanly" pm_stop
like "$(pm_log)" 'libfilepin client pid [0-9]+ \(pm-holder\)' "pinmgr logged the client"
