# fsdax page association with shared (reflinked) xfs extents, no pins at
# all: a DAX page must never keep a mapping after the last file that mapped
# it dropped its entry, and two files that share a block may both map it.
# On stock 6.1 both go wrong and the next fault of the block warns in
# dax_associate_entry() (WARNING at fs/dax.c, "page->mapping"), which is
# what fp-torture on xfs hit (tests/vm/cases/torture.sh):
#  1. a write fault on a shared extent CoWs into a new block and marks its
#     page "CoW" with a share count one too many; dropping the file's entry
#     (truncate) leaves the flag set, and the next file that maps the block
#     (here a reflink copy that kept it) warns;
#  2. a read fault of a block that another file shares and has mapped.
# And read-only pins of such pages: 6.1 marks a shared page with
# PAGE_MAPPING_DAX_COW (later _SHARED), the value of PAGE_MAPPING_ANON, so
# gup takes it for a non-exclusive anonymous page and a read-only FOLL_PIN
# loops for ever (-EMLINK, unshare fault that does nothing, retry):
#  3. a read-only MR over a read-only mapping of a reflinked file (EBUSY),
#     then after a write gave the range its own blocks;
#  4. a read-only MR over pages that a CoW write fault gave the file.
# Each scenario runs on its own files; a WARNING is looked for in the kernel
# log after each (the warning is WARN_ON_ONCE: debugfs clear_warn_once
# re-arms it between scenarios).  The harness also fails the run on any
# console WARNING.
# vm-fs: xfs
# vm-timeout: 180
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 12

dax_warns() { dmesg | grep -c 'WARNING: .*fs/dax\.c'; }
rearm() {
	[ -w /sys/kernel/debug/clear_warn_once ] && echo 1 >/sys/kernel/debug/clear_warn_once
	w0=$(dax_warns)
}
# holder_diag: what a registration that does not come back is doing (a
# livelocked gup: running, all its time in the kernel, in the syscall)
holder_diag() {
	diag "fp-pin $(grep '^State' "/proc/$holder_pid/status" 2>&1)," \
		"utime/stime ticks $(cut -d' ' -f14,15 "/proc/$holder_pid/stat" 2>&1)," \
		"syscall $(cut -d' ' -f1 "/proc/$holder_pid/syscall" 2>&1)"
}
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
rearm

rm -f a b c d e h i j k
: >a
check "files on the xfs mount are DAX" fp-isdax a
rm -f a

# 1: CoW write fault, then drop that entry while another file keeps the block
xfs_io -f -c "pwrite -q -S 0xaa 0 4096" -c fsync a >/dev/null
xfs_io -f -c "reflink a" b >/dev/null			# a and b share one block
xfs_io -c "mmap -w 0 4096" -c "mwrite -S 0xbb 0 4096" \
	-c "msync -s 0 4096" -c "munmap" b >/dev/null	# CoW fault: b gets block X
xfs_io -f -c "reflink b" c >/dev/null			# c shares X with b
truncate -s 0 b						# b drops its entry for X
out=$(xfs_io -c "mmap -r 0 4096" -c "mread -v 0 16" -c munmap c 2>&1)
like "$out" "bb bb bb bb" "scenario 1: c reads b's CoWed data through mmap"
is "$(dax_warns)" "$w0" "scenario 1: no DAX association warning after a CoW fault, truncate and a fault of the block from another file"
rearm

# 2: two files that share a block both read it through mmap
xfs_io -f -c "pwrite -q -S 0xcc 0 4096" -c fsync d >/dev/null
xfs_io -f -c "reflink d" e >/dev/null
out1=$(xfs_io -c "mmap -r 0 4096" -c "mread -v 0 16" -c munmap d 2>&1)
out2=$(xfs_io -c "mmap -r 0 4096" -c "mread -v 0 16" -c munmap e 2>&1)
like "$out1" "cc cc cc cc" "scenario 2: d reads the shared block through mmap"
like "$out2" "cc cc cc cc" "scenario 2: e reads the shared block through mmap"
is "$(dax_warns)" "$w0" "scenario 2: no DAX association warning when two files map one shared block"

# 3: a read-only MR over a reflinked file (pages of a shared extent).  It
# looped in gup with patches 34-35 alone; patch 37 refuses it with EBUSY
# (it would outlive the next copy-on-write).  Once a write() has given the
# range its own blocks, the read-only MR registers and reads the file.
rearm
xfs_io -f -c "pwrite -q -S 0x33 0 64k" -c fsync h >/dev/null
xfs_io -f -c "reflink h" i >/dev/null
if holder_start -r -L exclusive -l 64K h; then
	not_ok "scenario 3: a read-only MR over the reflinked (shared) file is refused with EBUSY"
	holder_stop
else
	like "$(cat holder.out)" "EBUSY" \
		"scenario 3: a read-only MR over the reflinked (shared) file is refused with EBUSY"
fi
xfs_io -c "pwrite -q -S 0x33 0 64k" -c fsync h >/dev/null	# CoW: own blocks
if holder_start -r -L exclusive -l 64K h; then
	is "$(holder_cmd rread 0 64K)" "ok rread" "scenario 3: after a write gave it its own blocks, a read-only MR registers and RDMA READ returns the file's bytes"
	holder_stop
else
	holder_diag
	kill -9 "$holder_pid" 2>/dev/null
	exec 8>&-
	not_ok "scenario 3: after a write gave it its own blocks, a read-only MR registers and RDMA READ returns the file's bytes"
fi
is "$(dax_warns)" "$w0" "scenario 3: no DAX association warning"

# 4: a read-only MR over pages that a CoW write fault gave the file
rearm
xfs_io -f -c "pwrite -q -S 0x44 0 64k" -c fsync j >/dev/null
xfs_io -f -c "reflink j" k >/dev/null
xfs_io -c "mmap -w 0 64k" -c "mwrite -S 0x55 0 64k" -c "msync -s 0 64k" \
	-c munmap j >/dev/null			# CoW faults, then write-protected
if holder_start -r -L exclusive -l 64K j; then
	ok "scenario 4: a read-only MR over the CoWed pages registers"
	is "$(holder_cmd rread 0 64K)" "ok rread" "scenario 4: RDMA READ of it returns the file's bytes"
	holder_stop
else
	not_ok "scenario 4: a read-only MR over the CoWed pages registers"
	holder_diag
	kill -9 "$holder_pid" 2>/dev/null
	exec 8>&-
	not_ok "scenario 4: RDMA READ of it returns the file's bytes # not registered"
fi
is "$(dax_warns)" "$w0" "scenario 4: no DAX association warning"

rm -f a b c d e h i j k holder.ctl holder.out holder.seen
