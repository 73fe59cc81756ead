# Issue 9 hole 9: copy_file_range() clones first and copies when the clone
# is refused; the caller sees only the successful copy, so the refusal is
# not announced (no "remap ... refused" log line; the netlink event goes
# with it, through the same filepin_refuse()).  A clone the caller sees
# refused (FICLONE) is announced as before.
# vm-fs: xfs
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 6

head -c 1M /dev/urandom >pinned
head -c 1M /dev/urandom >target
holder_start -L exclusive -l 1M pinned || bail "could not pin the file"
is "$(holder_cmd unlease)" "ok unlease" "lease released: only the pin refuses"
dmesg -C
out=$(quick 10 xfs_io -c "copy_range -s 0 -d 0 -l 1048576 target" pinned 2>&1 && echo copied)
is "$out" "copied" "copy_file_range into the pinned range succeeds (by copying)"
check "the pinned file holds the copied data" cmp pinned target
is "$(dmesg | grep -c 'remap of .* refused')" 0 \
	"the clone that copy_file_range fell back from is not announced"
dmesg -C
like "$(quick 5 xfs_io -c "reflink target" pinned 2>&1)" "Text file busy" \
	"FICLONE into the pinned file: ETXTBSY"
is "$(dmesg | grep -c 'xfs_io.*: remap of .* refused')" 1 "and that refusal is announced"
holder_stop
