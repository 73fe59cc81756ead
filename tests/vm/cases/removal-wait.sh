# Kernel rule 10: while the pmem device of a mounted DAX file system is
# being unbound and a process still holds an RDMA registration of one of
# its files, the removal waits, and is not silent about it: the kernel
# announces it once on the "filepin" netlink family (device, file, range,
# owner), names the owner in the log at once and again periodically, and
# refuses new registrations of the device's memory with ENXIO.  When the
# owner exits the removal completes by itself.  Once on ext4, once on xfs.
# vm-fs: none
# vm-timeout: 600
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 26

# lines LOGFILE REGEX...: the lines of LOGFILE that match every REGEX
lines() {
	_f=$1
	shift
	_out=$(cat "$_f")
	for _re; do
		_out=$(printf '%s\n' "$_out" | grep -E -- "$_re")
	done
	printf '%s\n' "$_out" | grep -c .
}

for fs in ext4 xfs; do
	spare_mount "$fs" always || bail "cannot prepare the spare namespace ($fs)"
	work=$(mktemp -d /tmp/removal-wait.XXXXXX)
	cd "$work" || bail "no $work"
	head -c 4M /dev/urandom >/mnt/spare/f
	head -c 4M /dev/urandom >/mnt/spare/g
	sync
	# keep g's inode in memory: once the disk is gone, a lookup that must
	# read it fails with EIO before any registration is tried (seen on the
	# --debug kernel, whose KASAN shadow leaves less memory for caches)
	exec 9</mnt/spare/g
	python3 "$FILEPIN_TOP/tests/vm/genl-listen.py" >events.out 2>&1 &
	listener=$!
	wait_until 30 grep -q '^ready$' events.out || bail "genl-listen: $(cat events.out)"
	holder_start -L exclusive -l 4M /mnt/spare/f || bail "could not pin the file ($fs)"
	pid=$holder_pid
	dev=$(spare_dev)
	dmesg >dmesg.before

	spare_unbind_start "$dev" unbind.out
	check "$fs: the unbind gets as far as removing the disk" \
		wait_until 60 test ! -e /sys/block/pmem2
	dmesg_new() { dmesg | tail -n +"$(($(wc -l <dmesg.before) + 1))" >dmesg.new; }
	check "$fs: the kernel log says that the removal waits for a pin" \
		wait_until 30 sh -c "dmesg | grep -q 'filepin: removal of device memory .* waits for 1 long-term file pin'"
	dmesg_new
	is "$(lines dmesg.new "fp-pin\\[$pid\\] pins pmem2 .* \\(.*f\\) pages 0-1023")" 1 \
		"$fs: and names the owner (pid, comm), device, file and pages"
	check "$fs: one removal event arrives" \
		wait_until 30 grep -q '^cmd=2 ' events.out
	is "$(lines events.out '^cmd=2 ' " tgid=$pid " ' comm=fp-pin ' ' offset=0 ' \
		' length=4194304 ' ' device=pmem2 ' ' pins=1 ' ' path=/mnt/spare/f$')" 1 \
		"$fs: it names the device, the file, the range and the owner"

	out=$(quick 60 fp-pin -L exclusive -l 4M /mnt/spare/g)
	like "$out" 'errno=ENXIO' "$fs: a new registration on the device fails with ENXIO"
	out=$(quick 60 fp-pin -L exclusive -l 1M -o 1M /mnt/spare/f)
	like "$out" 'errno=ENXIO' "$fs: also one of the pinned file"
	exec 9<&-

	check "$fs: the log names the owner again, periodically" \
		wait_until 60 sh -c "dmesg | grep -q 'still waits after .* for 1 long-term file pin'"
	# the owner's line follows the report's first line
	wait_until 30 sh -c "dmesg | grep -A1 'still waits after' | grep -q 'fp-pin\\[$pid\\]'"
	dmesg_new
	like "$(grep -A1 'still waits after' dmesg.new | tail -n 1)" "fp-pin\\[$pid\\] pins pmem2" \
		"$fs: with its pid and comm"
	if gone "$unbind_pid"; then
		not_ok "$fs: the unbind still waits"
		diag "the unbind returned: $(cat unbind.out)"
	else
		ok "$fs: the unbind still waits"
	fi

	holder_stop
	t0=$(date +%s)
	check "$fs: the unbind completes when the owner exits" \
		wait_until 120 gone "$unbind_pid"
	gone "$unbind_pid" || dump_blocked
	diag "the unbind took $(($(date +%s) - t0)) s after the owner exited"
	wait "$unbind_pid" 2>/dev/null
	is "$(cat unbind.out)" "rc=0" "$fs: the unbind succeeded"
	is "$(lines events.out '^cmd=2 ')" 1 "$fs: the removal was announced once"
	kill "$listener"
	wait "$listener" 2>/dev/null
	cd / || bail "no /"
	quick 60 umount /mnt/spare || diag "umount: failed"
	rm -rf "$work"
done
