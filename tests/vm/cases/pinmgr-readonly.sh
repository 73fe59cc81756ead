# "pinctl pin --read-only" on the real kernel (issue 10): the pin works
# (6.1's ib_umem_get asked FOLL_WRITE|FOLL_FORCE for a read-only MR, which
# a read-only shared mapping refuses: "Bad address" -- needs the kernel
# patch of the series that fixes it), a peer may RDMA READ the bytes and
# its RDMA WRITE fails.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 7

pm_start || bail "pinmgr does not start"
dd if=/dev/zero of="$FILEPIN_DIR/data" bs=1M count=1 2>/dev/null
# the pattern, written through a read-write pin first
out=$(pinctl pin "$FILEPIN_DIR/data" --device rxe0 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^id=\([0-9]*\) .*/\1/p')
rkey=$(printf '%s\n' "$out" | sed -n 's/.* rkey=\(0x[0-9a-f]*\) .*/\1/p')
"$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "$id" -k "$rkey" -d rxe0 -g 1 -o 0 -l 64K -S 5 >/dev/null 2>&1
pinctl unpin "$id" >/dev/null 2>&1
chmod 444 "$FILEPIN_DIR/data"
out=$(pinctl pin "$FILEPIN_DIR/data" --device rxe0 --read-only 2>&1)
is "$?" 0 "pinctl pin --read-only of a read-only file succeeds"
diag "$out"
id=$(printf '%s\n' "$out" | sed -n 's/^id=\([0-9]*\) .*/\1/p')
rkey=$(printf '%s\n' "$out" | sed -n 's/.* rkey=\(0x[0-9a-f]*\) .*/\1/p')
like "$out" 'access=r$' "it says access=r"
out=$("$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "$id" -k "$rkey" -d rxe0 -g 1 -o 0 -l 64K -S 5 -R 2>&1)
is "$?" 0 "a peer RDMA READs the file's bytes"
diag "$out"
out=$("$PM_VM/pm-rdma-peer" -s "$PM_SOCK" -i "${id:-0}" -k "${rkey:-0}" -d rxe0 -g 1 -o 0 -l 4K -S 6 2>&1)
st=$?
if [ "$st" = 2 ] && printf '%s\n' "$out" | grep -Eq 'RDMA WRITE .*remote (access error|invalid request|operation error)'; then
	ok "its RDMA WRITE fails with a remote error"
else
	not_ok "its RDMA WRITE fails with a remote error (exit $st)"
	diag "$out"
fi
like "$(pinctl -r -n -o ID,SOURCE 2>&1)" "^${id:-none} proc,service\$" "pinctl list shows the read-only pin"
check "the file still holds the old bytes" "$PM_VM/pm-rdma-peer" --check "$FILEPIN_DIR/data" 0 64K 5
check "pinmgr stops" pm_stop
