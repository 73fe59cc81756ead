# Kernel rule 10: a process that has a DAX file mapped (no pin) when its
# pmem device is unbound must not reach the device's memory afterwards:
# the removal unmaps the file, so the next access through the surviving
# mapping gets SIGBUS, read(2) fails with an error, and the dead file
# system unmounts without touching the torn-down memmap (no oops: the
# harness fails the case on any console report).  The namespace can then
# be re-created.  Once on ext4, once on xfs.
# vm-fs: none
# vm-timeout: 400
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 12

for fs in ext4 xfs; do
	spare_mount "$fs" always || bail "cannot prepare the spare namespace ($fs)"
	work=$(mktemp -d /tmp/removal-map.XXXXXX)
	cd "$work" || bail "no $work"
	head -c 4M /dev/urandom >/mnt/spare/m
	# Map the file, write every page, then wait for "go" and touch it again
	python3 - /mnt/spare/m "$work/go" >map.out 2>&1 <<'PY' &
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED)
for off in range(0, 4 << 20, 4096):
    m[off] = (m[off] + 1) & 255
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
m[4096] = m[0] ^ 0xff
print("survived", flush=True)
PY
	mapper=$!
	wait_until 60 grep -q '^ready$' map.out || bail "the mapper did not start: $(cat map.out)"
	dev=$(spare_dev)

	t0=$(date +%s)
	spare_unbind_start "$dev" unbind.out
	wait_until 30 gone "$unbind_pid" || dump_blocked
	check "$fs: the unbind completes (nothing is pinned)" wait_until 120 gone "$unbind_pid"
	diag "the unbind took $(($(date +%s) - t0)) s"
	wait "$unbind_pid" 2>/dev/null
	is "$(cat unbind.out)" "rc=0" "$fs: the unbind succeeded"
	touch go
	wait "$mapper"
	is "$?" 135 "$fs: an access through the surviving mapping gets SIGBUS"
	diag "mapper said: $(cat map.out)"
	if out=$(dd if=/mnt/spare/m of=/dev/null bs=4k count=1 2>&1); then
		not_ok "$fs: read(2) of the file fails"
	else
		ok "$fs: read(2) of the file fails"
	fi
	diag "dd: $out"
	cd / || bail "no /"
	check "$fs: the dead file system unmounts" quick 60 umount /mnt/spare
	check "$fs: the namespace can be re-created and mounted" \
		spare_mount "$fs" always
	umount /mnt/spare
	rm -rf "$work"
done
