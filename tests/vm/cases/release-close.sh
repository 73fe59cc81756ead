# Kernel rules 4-6: releasing the lease or closing the file while an MR pins
# part of it never blocks; the pinned range stays protected, the rest of the
# file does not; deregistering lifts the protection.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 10

head -c 8M /dev/urandom >f
# Pin the second MiB of the file.
holder_start -L exclusive -o 1M -l 1M f || bail "could not pin the file"
busy='Text file busy'
like "$(quick 5 truncate -s 4M f)" "$busy" "with the lease: truncate refused"
is "$(holder_cmd unlease)" "ok unlease" "releasing the lease while pinned does not block"
like "$(quick 5 fallocate -p -o 1M -l 4K f)" "$busy" "punch inside the pinned range: ETXTBSY"
like "$(quick 5 fallocate -p -o 0 -l 1049600 f)" "$busy" \
	"punch overlapping the pinned range: ETXTBSY"
check "punch outside the pinned range succeeds" fallocate -p -o 4M -l 1M f
check "truncate above the pinned range succeeds" truncate -s 6M f
like "$(quick 5 truncate -s 1M f)" "$busy" "truncate into the pinned range: ETXTBSY"
is "$(holder_cmd close)" "ok close" "closing the file while pinned does not block"
is "$(holder_cmd dereg)" "ok dereg" "deregistering the MR"
check "after dereg, truncate succeeds" truncate -s 0 f
holder_stop
