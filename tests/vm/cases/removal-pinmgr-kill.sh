# Device removal, pinmgr policy "on-removal kill" (issue 11, test 3): the
# spare namespace is unbound while two owners pin files on it: pm-holder
# --refuse (a libfilepin program that refuses revoke requests) and fp-pin
# (no libfilepin) started with SIGTERM ignored.  pinmgr asks the first,
# reports that the second cannot be asked, sends both SIGTERM after
# removal-timeout, and fp-pin, still pinning one removal-timeout later,
# SIGKILL.  Then the unbind completes by itself.  ext4 (the policy does
# not depend on the file system).
# vm-fs: none
# vm-timeout: 600
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 13

has_event() { pinctl events 2>/dev/null | grep -Eq -- "$1"; }
# reap PID: its exit status in $st; one still running is killed (st: "running")
reap() {
	if gone "$1"; then
		wait "$1" 2>/dev/null
		st=$?
	else
		kill -9 "$1"
		wait "$1" 2>/dev/null
		st=running
	fi
}

spare_mount ext4 always || bail "cannot prepare the spare namespace"
work=$(mktemp -d /tmp/removal-pinmgr-kill.XXXXXX)
cd "$work" || bail "no $work"
pm_start "on-removal kill" "removal-timeout 3" || bail "pinmgr does not start"
ph_start refuser --refuse -l 4M /mnt/spare/f || bail "pm-holder cannot pin"
head -c 4M /dev/urandom >/mnt/spare/g
trap '' TERM
holder_start -L exclusive -l 4M /mnt/spare/g || bail "fp-pin cannot pin"
trap - TERM
dev=$(spare_dev)
diag "pm-holder $ph_pid pins /mnt/spare/f, fp-pin $holder_pid /mnt/spare/g, on $dev"

spare_unbind_start "$dev" unbind.out
check "the libfilepin owner is asked (and refuses)" pm_wait_for refuser.out '^refused$' 60
check "events: the revoke request" \
	pm_retry 30 has_event " removal action=revoke pid=$ph_pid comm=pm-holder .* path=/mnt/spare/f\$"
check "events: the owner that cannot be asked" \
	pm_retry 30 has_event " removal action=cannot-ask pid=$holder_pid comm=fp-pin .* path=/mnt/spare/g\$"
check "events: SIGTERM to the libfilepin owner after removal-timeout" \
	pm_retry 60 has_event " removal action=sigterm pid=$ph_pid "
check "events: SIGTERM to fp-pin" pm_retry 30 has_event " removal action=sigterm pid=$holder_pid "
check "the libfilepin owner is terminated" wait_until 60 gone "$ph_pid"
reap "$ph_pid"
is "$st" 143 "by SIGTERM"
exec 7>&-
check "events: SIGKILL to fp-pin, which ignores SIGTERM, one removal-timeout later" \
	pm_retry 60 has_event " removal action=sigkill pid=$holder_pid "
check "fp-pin is killed" wait_until 60 gone "$holder_pid"
reap "$holder_pid"
is "$st" 137 "by SIGKILL"
exec 8>&-
ph_pid=
check "the unbind completes" wait_until 120 gone "$unbind_pid"
gone "$unbind_pid" || { dump_blocked; bail "the unbind does not complete"; }
wait "$unbind_pid" 2>/dev/null
is "$(cat unbind.out)" "rc=0" "the unbind succeeded"
check "events: the removal is complete" pm_retry 30 has_event ' removal action=complete '
diag "$(pinctl events | grep ' removal ')"
cd / || bail "no /"
quick 60 umount /mnt/spare || diag "umount: failed"
rm -rf "$work"
