# The main demo, run inside the guest by tools/demo.sh on the patched
# kernel: an unmodified RDMA program registers memory of a file on a DAX
# mount through libfilepin, and a truncate of that file is refused at once,
# shows up as a pin in /proc and in pinctl, and is reported by the kernel
# (netlink event, log line) to pinmgr and "pinctl events".
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
. "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
lib=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1
plan 12

say() { echo "#   \$ $*"; "$@" 2>&1 | sed 's/^/#   /'; }
diag "kernel $(uname -r), $FILEPIN_FS on $(grep " $FILEPIN_MNT " /proc/mounts | cut -d' ' -f1,4)"
diag "RDMA device: $(rdma link show rxe0/1)"
head -c 8M /dev/zero >server.buf
head -c 8M /dev/urandom >client.buf
say fp-isdax server.buf

diag ""
diag "1. perftest's ib_write_bw, unmodified, with its buffer mapped from the DAX file:"
# (bounded: should the client miss it, the server would wait for ever)
timeout 60 ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 100 -p 18800 --mmap=server.buf >nolib.out 2>&1 &
sleep 1
timeout 30 ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 100 -p 18800 --mmap=client.buf 192.0.2.1 >/dev/null 2>&1
wait
diag "   without libfilepin: $(grep -m1 -i 'couldn.t\|failed\|unable' nolib.out)"
like "$(cat nolib.out)" "Couldn't allocate MR|failed to register|Unable to" \
	"without libfilepin the kernel refuses the registration (no layout lease)"
LD_PRELOAD=$lib FILEPIN_LOG=info ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 100 -p 18801 \
	--mmap=server.buf >lib-server.out 2>&1 &
server=$!
wait_port 18801
t0=$(date +%s%N)
LD_PRELOAD=$lib timeout 60 ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 100 -p 18801 \
	--mmap=client.buf 192.0.2.1 >lib-client.out 2>&1
t1=$(date +%s%N)
wait $server
rc=$?
diag "   with LD_PRELOAD=libfilepin.so.1: $(grep -m1 'lease taken' lib-server.out)"
# The bandwidth the writer (ib_write_bw's client) measured; its server
# only receives and prints 0.00 MB/s.  perftest turns cycles into seconds
# with the "cpu MHz" of /proc/cpuinfo, which a TCG guest may not have (it
# prints 0.00 then): the client's wall-clock time for its 100 x 64 KiB
# (connection set-up included, so a lower bound) is shown as well.
bw=$(grep -A1 'BW average' lib-client.out | tail -n 1 | awk '{print $4}')
wall=$(awk -v ns=$((t1 - t0)) 'BEGIN { if (ns > 0) printf "%.2f", 6553600 / 1048576 / (ns / 1e9); else print "0" }')
diag "   client: perftest BW average ${bw:-?} MB/s; 6.25 MiB written in $(( (t1 - t0) / 1000000 )) ms: at least $wall MB/s"
nonzero=$(awk -v a="${bw:-0}" -v b="$wall" 'BEGIN { print (a + 0 > 0 || b + 0 > 0) ? "yes" : "no" }')
is "$nonzero" yes "the client's measured bandwidth is not zero"
is "$rc" 0 "with LD_PRELOAD=libfilepin.so.1 the same program registers the file and completes"

diag ""
diag "2. pinmgr runs; an ordinary verbs program (fp-pin, no lease of its own) keeps an MR on the file:"
pm_start || bail "pinmgr does not start"
pinctl events -f >events.txt 2>&1 &
ev_pid=$!
export LD_PRELOAD=$lib FILEPIN_LOG=info
holder_start -L none -l 4M server.buf || bail "could not register through libfilepin"
unset LD_PRELOAD FILEPIN_LOG
diag "   $(grep -m1 'lease taken' holder.out)"
is "$(holder_cmd write 0 4M)" "ok write" "RDMA WRITE into the MR is seen by read() of the file"
diag "   \$ cat /proc/$holder_pid/file_pins"
diag "   $(cat /proc/$holder_pid/file_pins)"
like "$(cat /proc/$holder_pid/file_pins)" " 0-1023 1024 $FILEPIN_DIR/server.buf$" \
	"/proc/<pid>/file_pins reports the pin"
out=$(quick 5 truncate -s 0 server.buf)
diag "   \$ truncate -s 0 server.buf"
diag "   $out"
like "$out" "Text file busy" "truncate of the pinned file is refused at once (ETXTBSY)"
is "$(stat -c %s server.buf)" 8388608 "the file is untouched"
say pinctl -o PID,COMMAND,START,END,PAGES,RKEY,DEV,PATH
like "$(pinctl -r -n -o PID,PATH)" "^$holder_pid $FILEPIN_DIR/server.buf$" "pinctl lists the pin"
pm_wait_for events.txt 'truncate' 10
diag "   \$ pinctl events -f"
sed 's/^/#   /' events.txt
like "$(cat events.txt)" "truncate.*refused|refused.*truncate" "the refusal reaches pinctl events"
diag "   kernel log: $(dmesg | grep 'filepin: truncate' | tail -n 1)"
like "$(dmesg | tail -n 50)" "filepin: truncate\[[0-9]+\].*refused" "the kernel log names the refused truncate"
kill "$ev_pid"
is "$(holder_cmd dereg)" "ok dereg" "ibv_dereg_mr; libfilepin releases the lease"
holder_stop
check "after the MR is gone, truncate succeeds" truncate -s 0 server.buf
pm_stop
