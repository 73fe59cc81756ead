# The pin service: "pinctl pin" makes pinmgr lease, map and register a
# range with iova = file offset; a separate process (pm-rdma-peer, with its
# own QP connected through pinmgr) RDMA WRITEs at a file offset with the
# returned rkey, and the bytes are in the file; the pin keeps truncate
# away until "pinctl unpin"; pinmgr's stop releases every pin.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 16

pm_start || bail "pinmgr does not start"
dd if=/dev/zero of="$FILEPIN_DIR/data" bs=1M count=4 2>/dev/null
out=$(pinctl pin "$FILEPIN_DIR/data" --device rxe0 --offset 64K --length 1M 2>&1)
is "$?" 0 "pinctl pin succeeds"
diag "$out"
id=$(printf '%s\n' "$out" | sed -n 's/^id=\([0-9]*\) .*/\1/p')
rkey=$(printf '%s\n' "$out" | sed -n 's/.* rkey=\(0x[0-9a-f]*\) .*/\1/p')
like "$out" "^id=[0-9]+ device=rxe0 addr=0x[0-9a-f]+ iova=65536 length=1048576 lkey=0x[0-9a-f]+ rkey=0x[0-9a-f]+ access=rw\$" \
	"it prints id, address, iova = file offset, length and keys"
like "$(cat "/proc/$pm_pid/file_pins")" " 16-271 256 $FILEPIN_DIR/data\$" "the kernel shows pinmgr's pin (pages 16-271)"
like "$(pinctl -r -n -o ID,PID,SOURCE,RKEY,DEV | grep "^$id ")" "^$id $pm_pid proc,service $rkey rxe0\$" \
	"pinctl list shows it as pinmgr's, with the rkey"
out=$(truncate -s 0 "$FILEPIN_DIR/data" 2>&1)
like "$out" 'Text file busy' "truncate is refused while it is pinned"
out=$("$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "$id" -k "$rkey" -d rxe0 -g 1 -o 128K -l 256K -S 7 2>&1)
is "$?" 0 "a peer RDMA WRITEs and READs at file offset 128K through rxe0"
diag "$out"
check "the bytes are in the file" "$PM_VM/pm-rdma-peer" --check "$FILEPIN_DIR/data" 128K 256K 7
out=$(cmp -n 65536 "$FILEPIN_DIR/data" /dev/zero 2>&1)
is "$?" 0 "bytes before the pinned range are untouched"
out=$("$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "$id" -k "$rkey" -d rxe0 -g 1 -o 2M -l 4K -S 7 2>&1)
is "$?" 2 "a WRITE beyond the pinned range fails"
check "pinctl unpin" pinctl unpin "$id"
out=$(pinctl unpin "$id" 2>&1)
like "$out" "no pin $id" "a second unpin names the missing pin"
check "truncate works after unpin" truncate -s 0 "$FILEPIN_DIR/data"
is "$(cat "/proc/$pm_pid/file_pins")" "" "pinmgr holds no pin any more"

dd if=/dev/zero of="$FILEPIN_DIR/data" bs=1M count=2 2>/dev/null
out=$(pinctl pin "$FILEPIN_DIR/data" --device rxe0 2>&1)
like "$out" '^id=[0-9]+ .*length=2097152' "a second pin, of the whole file"
check "pinmgr stops with a pin held" pm_stop
check "and released it: truncate works" truncate -s 0 "$FILEPIN_DIR/data"
