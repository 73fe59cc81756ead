# A user other than root cannot break or unpin root's pins, nor pin a file
# it cannot open; it can pin its own file and sees only its own pins.
# vm-fs: each
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 13

command -v setpriv >/dev/null || skip_all "setpriv is not installed"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
pm_start || bail "pinmgr does not start"
chmod 755 "$FILEPIN_DIR"
ph_start holder -l 1M "$FILEPIN_DIR/root-data" || bail "pm-holder cannot pin"
chmod 600 "$FILEPIN_DIR/root-data"
dd if=/dev/zero of="$FILEPIN_DIR/root-svc" bs=1M count=1 2>/dev/null
out=$(pinctl pin "$FILEPIN_DIR/root-svc" --device rxe0 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^id=\([0-9]*\) .*/\1/p')
like "$id" '^[0-9]+$' "root pins a file through pinmgr (id $id)"

out=$(nobody pinctl break "$FILEPIN_DIR/root-data" --wait 2>&1)
is "$?" 1 "nobody cannot break root's pin (exit 1)"
like "$out" "only root or the file's owner may break them" "and is told why"
like "$(cat "/proc/$ph_pid/file_pins")" "root-data" "root's pin is still there"
out=$(nobody pinctl unpin "$id" 2>&1)
is "$?" 1 "nobody cannot unpin root's pin"
like "$out" "pin $id belongs to uid 0|no pin $id" "and is told why"
out=$(nobody pinctl pin "$FILEPIN_DIR/root-data" --device rxe0 2>&1)
like "$out" "cannot open $FILEPIN_DIR/root-data for reading and writing: Permission denied" \
	"nobody cannot pin a file it cannot open"

# (nobody cannot create files in the 755 directory: root makes it nobody's)
dd if=/dev/zero of="$FILEPIN_DIR/nobody-data" bs=1M count=1 2>/dev/null
chown 65534:65534 "$FILEPIN_DIR/nobody-data"
out=$(nobody pinctl pin "$FILEPIN_DIR/nobody-data" --device rxe0 2>&1)
is "$?" 0 "nobody pins its own file"
diag "$out"
nid=$(printf '%s\n' "$out" | sed -n 's/^id=\([0-9]*\) .*/\1/p')
out=$(nobody pinctl -r -n -o ID,UID,PATH)
is "$out" "$nid 65534 $FILEPIN_DIR/nobody-data" "nobody sees only its own pin"
check "nobody unpins its own pin" nobody pinctl unpin "$nid"
check "root unpins its pin" pinctl unpin "$id"
ph_stop
check "pinmgr stops cleanly" pm_stop

# The kernel's events name other users' processes and files: a pinmgr run
# by nobody cannot join the group (CAP_NET_ADMIN), and says so.
mkdir "$PM_RUN/nobody" && chown 65534:65534 "$PM_RUN/nobody"
echo "scan-interval 0" >"$PM_RUN/nobody/pinmgr.conf"
nobody pinmgr -n -d -s "$PM_RUN/nobody/pinmgr.sock" -c "$PM_RUN/nobody/pinmgr.conf" \
	>"$PM_RUN/nobody/log" 2>&1 &
npm=$!
pm_wait_for "$PM_RUN/nobody/log" 'no kernel events|ready' 10
kill "$npm" 2>/dev/null
wait "$npm" 2>/dev/null
like "$(cat "$PM_RUN/nobody/log")" 'no kernel events: cannot join filepin/events: permission denied \(it needs CAP_NET_ADMIN\)' \
	"nobody cannot subscribe to the kernel's events"
