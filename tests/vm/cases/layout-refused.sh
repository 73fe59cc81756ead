# Kernel rule 4: while an exclusive layout lease is held, every layout
# change fails at once with ETXTBSY; reads, writes and extending do not.
# A plain F_LAYOUT lease is broken instead, and the truncate then proceeds.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 14

head -c 4M /dev/urandom >f
sleep 60 | fp-lease --hold exclusive f >holder.out &
i=0
until grep -q held holder.out || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q held holder.out || bail "could not take the lease: $(cat holder.out)"

busy='Text file busy'
like "$(quick 5 perl -e 'truncate($ARGV[0], 4096) or die "$!\n"' f)" "$busy" "truncate(2): ETXTBSY"
like "$(quick 5 truncate -s 4096 f)" "$busy" "ftruncate(2): ETXTBSY"
like "$(quick 5 sh -c ': >f')" "$busy" "open(O_TRUNC): ETXTBSY"
like "$(quick 5 fallocate -p -o 0 -l 64K f)" "$busy" "fallocate PUNCH_HOLE: ETXTBSY"
like "$(quick 5 fallocate -c -o 0 -l 64K f)" "$busy" "fallocate COLLAPSE_RANGE: ETXTBSY"
like "$(quick 5 fallocate -i -o 0 -l 64K f)" "$busy" "fallocate INSERT_RANGE: ETXTBSY"
like "$(quick 5 fallocate -z -o 0 -l 64K f)" "$busy" "fallocate ZERO_RANGE: ETXTBSY"
is "$(stat -c %s f)" 4194304 "the file kept its size"
check "append succeeds" sh -c 'echo appended >>f'
check "write in place succeeds" dd if=/dev/zero of=f bs=4k count=1 seek=3 conv=notrunc status=none
check "extending with ftruncate succeeds" truncate -s 8M f
check "fallocate that only allocates (mode 0) succeeds" fallocate -o 8M -l 1M f
is "$(grep -c lease-break holder.out)" 0 "the exclusive lease was never broken"
kill %1 2>/dev/null

# A plain layout lease on another file is broken by truncate, which then
# proceeds (within lease-break-time).
echo 2 >/proc/sys/fs/lease-break-time
head -c 1M /dev/urandom >g
sleep 30 | fp-lease --hold layout g >plain.out &
i=0
until grep -q held plain.out || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
out=$(quick 10 truncate -s 0 g && stat -c %s g)
is "$out $(grep -c lease-break plain.out)" "0 1" \
	"truncate breaks a plain F_LAYOUT lease and then succeeds"
