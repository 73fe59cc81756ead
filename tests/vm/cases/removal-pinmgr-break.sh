# Device removal, pinmgr policy "on-removal break" (issue 11, test 2): the
# spare namespace is unbound while a libfilepin program with a revoke
# callback (pm-holder) pins a file on it.  pinmgr gets the kernel's removal
# event, asks the owner to revoke, the owner deregisters, and the unbind
# completes by itself within the policy's timeout; "pinctl events" shows
# the announcement (action=revoke), the pin going (gone) and the end
# (complete), in that order, and "pinctl status" then shows no removal.
# A pin of pinmgr's own pin service ("pinctl pin") on the device is
# released (action=release).
# Once on ext4, once on xfs.
# vm-fs: none
# vm-timeout: 600
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
plan 28

# line_of REGEX: number of the first line of events.out matching REGEX (0: none)
line_of() {
	_l=$(grep -n -E -- "$1" events.out | head -n 1 | cut -d: -f1)
	echo "${_l:-0}"
}

timeout_s=30
for fs in ext4 xfs; do
	spare_mount "$fs" always || bail "cannot prepare the spare namespace ($fs)"
	work=$(mktemp -d /tmp/removal-pinmgr-break.XXXXXX)
	cd "$work" || bail "no $work"
	pm_start "on-removal break" "removal-timeout $timeout_s" || bail "pinmgr does not start"
	ph_start holder -l 4M /mnt/spare/f || bail "pm-holder cannot pin ($fs)"
	head -c 1M /dev/zero >/mnt/spare/s
	out=$(pinctl pin /mnt/spare/s --device rxe0 --length 1M 2>&1)
	is "$?" 0 "$fs: pinctl pin of a file on the device" || diag "$out"
	dev=$(spare_dev)
	diag "$fs: pm-holder $ph_pid pins /mnt/spare/f on $dev"

	spare_unbind_start "$dev" unbind.out
	check "$fs: the owner's revoke callback is asked and deregisters" \
		pm_wait_for holder.out '^revoked$' 60
	check "$fs: the unbind completes within the policy timeout ($timeout_s s)" \
		wait_until "$timeout_s" gone "$unbind_pid"
	gone "$unbind_pid" || { dump_blocked; bail "the unbind does not complete"; }
	wait "$unbind_pid" 2>/dev/null
	is "$(cat unbind.out)" "rc=0" "$fs: the unbind succeeded"
	check "$fs: pinmgr reports the end of the removal" \
		pm_retry 30 sh -c "pinctl events | grep -q ' removal action=complete '"
	pinctl events >events.out 2>&1
	a=$(line_of " removal action=revoke pid=$ph_pid comm=pm-holder .* path=/mnt/spare/f\$")
	g=$(line_of " removal action=gone pid=$ph_pid comm=pm-holder .* path=/mnt/spare/f\$")
	c=$(line_of ' removal action=complete pid=0 ')
	ok_if() { if [ "$1" ]; then ok "$2"; else not_ok "$2"; diag "$(cat events.out)"; fi; }
	[ "$a" -gt 0 ] && t=1 || t=
	ok_if "$t" "$fs: events: the announced pin and the revoke request"
	[ "$g" -gt "$a" ] && t=1 || t=
	ok_if "$t" "$fs: events: then the pin going"
	[ "$c" -gt "$g" ] && t=1 || t=
	ok_if "$t" "$fs: events: then the removal complete"
	like "$(cat events.out)" " removal action=release pid=$pm_pid .* path=/mnt/spare/s\$" \
		"$fs: events: pinmgr released its own pin of the service"
	like "$(cat events.out)" " removal action=gone pid=$pm_pid .* path=/mnt/spare/s\$" \
		"$fs: events: and it went"
	like "$(grep ' removal action=revoke ' events.out)" ' seq=[1-9][0-9]* ' \
		"$fs: the announcement carries the kernel's sequence number"
	like "$(pm_log)" "removal of device pmem2 waits for pid $ph_pid \\(pm-holder\\) pinning /mnt/spare/f .*asked to revoke" \
		"$fs: pinmgr logged the request"
	like "$(pinctl status)" 'removal: +none in progress' "$fs: pinctl status shows no removal any more"
	ph_stop
	check "$fs: pinmgr stops cleanly" pm_stop
	cd / || bail "no /"
	quick 60 umount /mnt/spare || diag "umount: failed"
	rm -rf "$work"
done
