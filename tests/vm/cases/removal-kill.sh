# Kernel rule 10: the pmem device of a mounted DAX file system is unbound
# while a process holds an RDMA registration of one of its files, then the
# holder is killed with SIGKILL.  The device's memory must not be torn
# down under the pin: the unbind waits for it, completes by itself once
# the kill has released the MR, and nothing oopses (the harness fails the
# case on any console report).  Afterwards the namespace can be re-created
# and mounted again.  Once on ext4 and once on xfs.
# vm-fs: none
# vm-timeout: 600
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 18

for fs in ext4 xfs; do
	spare_mount "$fs" always || bail "cannot prepare the spare namespace ($fs)"
	# The holder's fifo and output stay off the device that goes away
	work=$(mktemp -d /tmp/removal-kill.XXXXXX)
	cd "$work" || bail "no $work"
	head -c 4M /dev/urandom >/mnt/spare/f
	holder_start -L exclusive -l 4M /mnt/spare/f || bail "could not pin the file ($fs)"
	pid=$holder_pid
	dev=$(spare_dev)
	diag "$fs: holder $pid pins /mnt/spare/f on $dev"

	spare_unbind_start "$dev" unbind.out
	check "$fs: the unbind gets as far as removing the disk" \
		wait_until 60 test ! -e /sys/block/pmem2
	# The memory is torn down only after the disk is gone: give a
	# (wrongly) non-waiting unbind time to finish before looking
	wait_until 5 gone "$unbind_pid"
	if gone "$unbind_pid"; then
		not_ok "$fs: the unbind waits while the MR is live"
		diag "the unbind returned: $(cat unbind.out)"
	else
		ok "$fs: the unbind waits while the MR is live"
	fi

	# An unmount attempt meanwhile fails at once: the pin holds the mount
	if out=$(quick 30 umount /mnt/spare); then
		not_ok "$fs: unmounting while the removal waits fails (busy)"
	else
		like "$out" 'busy' "$fs: unmounting while the removal waits fails (busy)"
	fi

	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	exec 8>&-
	check "$fs: the holder is gone" wait_until 60 gone "$pid"
	check "$fs: the unbind completes after the kill" \
		wait_until 120 gone "$unbind_pid"
	gone "$unbind_pid" || dump_blocked
	wait "$unbind_pid" 2>/dev/null
	is "$(cat unbind.out)" "rc=0" "$fs: the unbind succeeded"
	cd / || bail "no /"
	check "$fs: the dead file system unmounts" quick 60 umount /mnt/spare
	check "$fs: the namespace can be re-created and mounted" \
		spare_mount "$fs" always
	check "$fs: and the new file system works" \
		sh -c "head -c 1M /dev/urandom >$work/data && cp $work/data /mnt/spare/g &&
			sync /mnt/spare/g && cmp $work/data /mnt/spare/g"
	umount /mnt/spare
	rm -rf "$work"
done
