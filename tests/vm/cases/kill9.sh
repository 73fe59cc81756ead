# Kernel rule 6: when the pinning process is killed with its MR live, its
# pins go: /proc entry gone, truncate succeeds, and no page reference is
# leaked (the file system unmounts and the pmem namespace can be destroyed
# and re-created).
# vm-fs: each
# vm-timeout: 180
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 7

spare_mount "$FILEPIN_FS" always || bail "cannot prepare the spare namespace"
cd /mnt/spare || bail "no /mnt/spare"
head -c 4M /dev/urandom >f
holder_start -L exclusive -l 4M f || bail "could not pin the file"
pid=$holder_pid
like "$(cat /proc/$pid/file_pins)" ' 0-1023 1024 /mnt/spare/f$' "the pin is listed"
like "$(quick 5 truncate -s 0 f)" 'Text file busy' "truncate is refused while pinned"
kill -9 "$pid"
wait "$pid" 2>/dev/null
exec 8>&-
is "$(cat /proc/$pid/file_pins 2>&1 | head -c 0; [ -e /proc/$pid ] && echo alive || echo gone)" gone \
	"the killed process and its /proc entry are gone"
check "truncate succeeds after the kill" quick 10 truncate -s 0 f
cd /
check "the file system unmounts (no inode reference leaked)" quick 30 umount /mnt/spare
check "the namespace can be destroyed (no page reference leaked)" \
	quick 60 ndctl destroy-namespace --force namespace2.0
check "and re-created" spare_ns fsdax
