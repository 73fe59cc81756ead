# libfilepin after a pinmgr restart: a program with a revoke callback
# (pm-holder) that only polls filepin_get_fd() reconnects to the new pinmgr
# by itself, without registering anything (libfilepin(3): the reconnect
# timer), so pinmgr knows its pin from the library again and a break asked
# right after the restart reaches its revoke callback.
# vm-fs: ext4
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 6

# the pin is reported by the library (SOURCE lib), not only seen in /proc
from_lib() { pinctl -r -n -p "$ph_pid" -o SOURCE 2>/dev/null | grep -qw lib; }

pm_start || bail "pinmgr does not start"
ph_start holder -l 1M "$FILEPIN_DIR/data" || bail "pm-holder cannot pin"
if pm_retry 5 from_lib; then
	ok "before the restart pinmgr has the pin from the library"
else
	not_ok "before the restart pinmgr has the pin from the library"
	diag "pinctl: $(pinctl -r -p "$ph_pid" -o PID,SOURCE,PATH 2>&1)"
	diag "holder: $(cat holder.out holder.err)"
fi
check "pinmgr stops" pm_stop
pm_start || bail "pinmgr does not start again"
t0=$(date +%s%N)
if pm_retry 5 from_lib; then
	ok "the program reconnects by itself: the pin is the library's again ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the restart)"
else
	not_ok "the program reconnects by itself within 5 s"
	diag "pinctl: $(pinctl -r -n -p "$ph_pid" -o PID,SOURCE,PATH 2>&1)"
fi
out=$(pinctl break "$FILEPIN_DIR/data" --wait --timeout 5 2>&1)
is "$?" 0 "a break right after the restart succeeds ($out)"
pm_wait_for holder.out '^revoked$' 5 && ok "through the program's revoke callback" ||
	not_ok "through the program's revoke callback"
check "truncate works after the break" truncate -s 0 "$FILEPIN_DIR/data"
ph_stop
