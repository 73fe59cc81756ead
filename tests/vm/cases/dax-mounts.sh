# The test file systems really are DAX: mounted dax=always, and files on
# them report STATX_ATTR_DAX.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 3

like "$(grep " $FILEPIN_MNT " /proc/mounts)" "^/dev/pmem[0-9]+ $FILEPIN_MNT $FILEPIN_FS .*dax=always" \
	"$FILEPIN_FS on pmem is mounted dax=always"
head -c 65536 /dev/urandom >file
check "a regular file on $FILEPIN_FS reports STATX_ATTR_DAX" fp-isdax file
: >/tmp/notdax
fp-isdax /tmp/notdax >/dev/null
is "$?" 1 "a file on tmpfs does not"
