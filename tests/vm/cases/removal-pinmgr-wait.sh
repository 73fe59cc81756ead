# Device removal, pinmgr policy "on-removal wait" (issue 11, test 3): the
# spare namespace is unbound while a libfilepin program (pm-holder, which
# would give its pin up if asked) pins a file on it.  pinmgr only reports:
# the owner is never asked, the unbind stays pending past removal-timeout,
# "pinctl status" names the owner (pid, comm, file), "pinctl events" shows
# the announcement and the timeout.  When the owner exits the unbind
# completes, and the events show the pin going and the end.  Once on ext4,
# once on xfs.
# vm-fs: none
# vm-timeout: 600
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 24

has_event() { pinctl events 2>/dev/null | grep -Eq -- "$1"; }

for fs in ext4 xfs; do
	spare_mount "$fs" always || bail "cannot prepare the spare namespace ($fs)"
	work=$(mktemp -d /tmp/removal-pinmgr-wait.XXXXXX)
	cd "$work" || bail "no $work"
	pm_start "on-removal wait" "removal-timeout 2" || bail "pinmgr does not start"
	ph_start holder -l 4M /mnt/spare/f || bail "pm-holder cannot pin ($fs)"
	dev=$(spare_dev)
	diag "$fs: pm-holder $ph_pid pins /mnt/spare/f on $dev"

	spare_unbind_start "$dev" unbind.out
	check "$fs: pinctl events shows the removal announced, policy wait" \
		pm_retry 60 has_event " removal action=wait pid=$ph_pid comm=pm-holder .* path=/mnt/spare/f\$"
	like "$(pinctl status)" "device pmem2 \\([0-9]+:[0-9]+\\): pid $ph_pid \\(pm-holder\\) pins /mnt/spare/f offset 0 length 4194304" \
		"$fs: pinctl status names the owner, its comm and the file"
	check "$fs: the owner still pinning after removal-timeout is reported" \
		pm_retry 30 has_event " removal action=timeout pid=$ph_pid "
	if gone "$unbind_pid"; then
		not_ok "$fs: the unbind stays pending"
		diag "the unbind returned: $(cat unbind.out)"
	else
		ok "$fs: the unbind stays pending"
	fi
	is "$(grep -c '^revoked' holder.out)" 0 "$fs: the owner was not asked to revoke"
	if gone "$ph_pid"; then not_ok "$fs: the owner was left alone"; else ok "$fs: the owner was left alone"; fi

	ph_stop
	check "$fs: the unbind completes when the owner exits" \
		wait_until 120 gone "$unbind_pid"
	gone "$unbind_pid" || { dump_blocked; bail "the unbind does not complete"; }
	wait "$unbind_pid" 2>/dev/null
	is "$(cat unbind.out)" "rc=0" "$fs: the unbind succeeded"
	check "$fs: events: the pin went" pm_retry 30 has_event " removal action=gone pid=$ph_pid "
	check "$fs: events: the removal is complete" pm_retry 30 has_event ' removal action=complete '
	like "$(pinctl status)" 'removal: +none in progress' "$fs: pinctl status shows no removal any more"
	check "$fs: pinmgr stops cleanly" pm_stop
	cd / || bail "no /"
	quick 60 umount /mnt/spare || diag "umount: failed"
	rm -rf "$work"
done
