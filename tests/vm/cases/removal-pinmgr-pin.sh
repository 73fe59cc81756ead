# Device removal and the pin service (issue 11, test 4): while the spare
# namespace is going away (its unbind waits for fp-pin's pin; pinmgr's
# policy is "wait"), "pinctl pin" of a file on the device fails with ENXIO
# (the errno filepin(7) documents), of another file and of the pinned one;
# the same pin worked before the unbind.  The unbind completes once the
# owner exits.  ext4.
# vm-fs: none
# vm-timeout: 600
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 10

has_event() { pinctl events 2>/dev/null | grep -Eq -- "$1"; }

spare_mount ext4 always || bail "cannot prepare the spare namespace"
work=$(mktemp -d /tmp/removal-pinmgr-pin.XXXXXX)
cd "$work" || bail "no $work"
pm_start "on-removal wait" || bail "pinmgr does not start"
head -c 4M /dev/urandom >/mnt/spare/g
out=$(pinctl pin /mnt/spare/g --device rxe0 --length 1M 2>&1)
is "$?" 0 "before the removal pinctl pin of a file on the device works" || diag "$out"
id=$(printf '%s\n' "$out" | sed -n 's/^id=\([0-9]*\) .*/\1/p')
check "and pinctl unpin releases it" pinctl unpin "$id"
holder_start -L exclusive -l 4M /mnt/spare/f || bail "fp-pin cannot pin"
dev=$(spare_dev)

spare_unbind_start "$dev" unbind.out
check "the removal is announced" pm_retry 60 has_event " removal action=wait pid=$holder_pid "
out=$(quick 60 pinctl pin /mnt/spare/g --device rxe0 --length 1M)
is "$?" 1 "pinctl pin of a file on the going device fails"
like "$out" 'No such device or address' "with ENXIO: $out"
out=$(quick 60 pinctl pin /mnt/spare/f --device rxe0 --offset 1M --length 1M)
like "$out" 'No such device or address' "also for the pinned file: $out"
if gone "$pm_pid"; then not_ok "pinmgr runs on"; else ok "pinmgr runs on"; fi
holder_stop
check "the unbind completes when the owner exits" wait_until 120 gone "$unbind_pid"
gone "$unbind_pid" || { dump_blocked; bail "the unbind does not complete"; }
wait "$unbind_pid" 2>/dev/null
is "$(cat unbind.out)" "rc=0" "the unbind succeeded"
check "pinmgr stops cleanly" pm_stop
cd / || bail "no /"
quick 60 umount /mnt/spare || diag "umount: failed"
rm -rf "$work"
