# libfilepin makes an unmodified program register fsdax memory: perftest's
# ib_write_bw with --mmap=<file on the DAX mount>, loopback over rxe0.
# Without the library the patched kernel refuses the registration (no
# lease); under LD_PRELOAD=libfilepin.so.1 it completes and the data the
# client wrote is in the server's file.  fp-regmr (tests/vm/prog) shows the
# same for a single registration, with the errno.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
lib=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1
srand=$FILEPIN_BUILD/tests/lib/vm/.libs/fp-srand.so
[ -e "$lib" ] || skip_all "libfilepin.so.1 is not built"
[ -e "$srand" ] || skip_all "fp-srand.so is not built"
plan 9

size=65536
dd if=/dev/zero of=server.buf bs=1M count=8 2>/dev/null
dd if=/dev/urandom of=client.buf bs=1M count=8 2>/dev/null

# --- one registration, with the errno ---------------------------------
out=$(fp-regmr -d rxe0 --file dax-file --length 1M 2>&1)
is "$?:$out" "1:ibv_reg_mr: Operation not permitted (errno=EPERM)" \
	"without libfilepin, ibv_reg_mr of a $FILEPIN_FS DAX file is refused (EPERM)"
out=$(LD_PRELOAD=$lib fp-regmr -d rxe0 --file dax-file --length 1M 2>&1)
like "$?:$out" "^0:registered 1048576 bytes" \
	"with LD_PRELOAD=libfilepin.so.1 the same program registers it"

# --- ib_write_bw without the library -----------------------------------
timeout 60 ib_write_bw -d rxe0 -x 1 -F -s $size -n 100 -p 18610 \
	--mmap=server.buf >nolib-server.out 2>&1 &
server=$!
wait_port 18610 || bail "ib_write_bw server did not listen"
timeout 60 ib_write_bw -d rxe0 -x 1 -F -s $size -n 100 -p 18610 192.0.2.1 \
	>nolib-client.out 2>&1
wait "$server"
rc=$?
if [ $rc -ne 0 ] && grep -q "Couldn't allocate MR" nolib-server.out; then
	ok "without libfilepin, ib_write_bw --mmap=<DAX file> cannot register its buffer"
else
	not_ok "without libfilepin, ib_write_bw --mmap=<DAX file> cannot register its buffer"
	diag "server exit $rc"; diag "$(cat nolib-server.out)"
fi

# --- ib_write_bw under LD_PRELOAD --------------------------------------
# Different seeds (fp-srand.so), so that the two buffers start different.
LD_PRELOAD="$lib $srand" FP_SEED=1 FILEPIN_LOG=info timeout 120 \
	ib_write_bw -d rxe0 -x 1 -F -s $size -n 200 -p 18611 --mmap=server.buf \
	>server.out 2>server.err &
server=$!
wait_port 18611 || bail "ib_write_bw server did not listen"
if LD_PRELOAD="$lib $srand" FP_SEED=2 FILEPIN_LOG=info timeout 120 \
	ib_write_bw -d rxe0 -x 1 -F -s $size -n 200 -p 18611 --mmap=client.buf \
	192.0.2.1 >client.out 2>client.err; then
	ok "LD_PRELOAD=libfilepin.so.1 ib_write_bw client (--mmap DAX file) completes"
	diag "$(grep -A1 'BW average' client.out | tail -n 1)"
else
	not_ok "LD_PRELOAD=libfilepin.so.1 ib_write_bw client (--mmap DAX file) completes"
	diag "$(cat client.out client.err)"
fi
if wait "$server"; then
	ok "LD_PRELOAD=libfilepin.so.1 ib_write_bw server (--mmap DAX file) completes"
else
	not_ok "LD_PRELOAD=libfilepin.so.1 ib_write_bw server (--mmap DAX file) completes"
	diag "$(cat server.out server.err)"
fi
like "$(cat server.err)" "lease taken" "the library leased the server's file (FILEPIN_LOG=info)"
like "$(cat server.err)" "lease released" "... and released it when the MR went"
# perftest fills its buffer with (seeded) random bytes and writes the
# first half of the client's to the second half of the server's (the
# vaddr the server advertises is buffer + size).
if cmp -n $size -i $size:0 server.buf client.buf >cmp.out 2>&1 &&
   ! cmp -s -n $size -i $size:0 server.buf /dev/zero; then
	ok "the $size bytes the client wrote are in the server's DAX file"
else
	not_ok "the $size bytes the client wrote are in the server's DAX file"
	diag "$(cat cmp.out)"
fi
# Nothing pins the file any more: it can be truncated.
check "after both exited, truncate of the file works" truncate -s 0 server.buf
