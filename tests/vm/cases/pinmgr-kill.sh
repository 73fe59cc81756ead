# A libfilepin client killed with SIGKILL vanishes from pinmgr's registry
# (its connection closes, the kernel drops its pins), and the file can be
# truncated again.
# vm-fs: each
# vm-timeout: 180
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 6

pm_start || bail "pinmgr does not start"
ph_start holder -l 1M "$FILEPIN_DIR/data" || bail "pm-holder cannot pin"
like "$(pinctl -r -n -p "$ph_pid" -o SOURCE)" '^lib,proc$' "listed from the library and /proc"
victim=$ph_pid
kill -9 "$victim"
wait "$victim" 2>/dev/null
exec 7>&-
ph_pid=
pm_retry 5 sh -c "[ -z \"\$(pinctl -r -n -p $victim -o PID)\" ]"
is "$(pinctl -r -n -o PID,PATH | grep -c "$FILEPIN_DIR/data")" 0 "the killed client has vanished"
check "truncate works" truncate -s 0 "$FILEPIN_DIR/data"
like "$(pm_log)" 'libfilepin client pid [0-9]+ \(pm-holder\) gone: 1 pin\(s\) dropped' "pinmgr dropped its pin"
like "$(pinctl status)" 'pins: +0 ' "no pin left"
check "pinmgr stops cleanly" pm_stop
