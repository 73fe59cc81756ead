# Kernel rule 1: F_SETLEASE with F_LAYOUT and F_LAYOUT|F_EXCLUSIVE; the
# permission rules of a read lease; regular files only.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 8

: >f
chmod 644 f
is "$(fp-lease exclusive f)" "lease exclusive getlease=48
released getlease=2" "F_LAYOUT|F_EXCLUSIVE round trip through F_GETLEASE"
is "$(fp-lease layout f)" "lease layout getlease=16
released getlease=2" "F_LAYOUT round trip through F_GETLEASE"
is "$(fp-lease read f)" "lease read getlease=0
released getlease=2" "plain read leases are unchanged"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
is "$(nobody fp-lease exclusive f)" "errno=EACCES" \
	"a non-owner without CAP_LEASE gets EACCES"
chown 65534:65534 f
is "$(nobody fp-lease exclusive f | head -n 1)" "lease exclusive getlease=48" \
	"the file's owner may take one without CAP_LEASE"
mkdir d
is "$(fp-lease exclusive d)" "errno=EINVAL" "a lease on a directory: EINVAL"
mkfifo p
is "$(fp-lease exclusive p)" "errno=EINVAL" "a lease on a fifo: EINVAL"

# Any number of holders at once, and opening for write does not conflict.
: >g
sleep 4 | fp-lease --hold exclusive g >h1.out &
sleep 4 | fp-lease --hold exclusive g >h2.out &
i=0
until [ "$(cat h1.out h2.out | grep -c held)" -eq 2 ] || [ $i -gt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
out=$(quick 3 sh -c 'echo data >>g && echo written')
wait
is "$(cat h1.out h2.out | grep -c -e held -e lease-break) $out" "2 written" \
	"two exclusive holders at once; opening for write and appending does not break them"
