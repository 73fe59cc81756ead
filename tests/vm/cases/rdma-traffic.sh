# Ordinary RDMA traffic over rxe0 in loopback: perftest's ib_write_bw and
# rdma_cm's rping.  (-F: under emulation the cycle counter does not track the
# CPU clock well enough for perftest's frequency check.)
# vm-fs: none
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 4

ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 200 -p 18600 >bw-server.out 2>&1 &
server=$!
wait_port 18600 || bail "ib_write_bw server did not listen"
if ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 200 -p 18600 192.0.2.1 >bw-client.out 2>&1; then
	ok "ib_write_bw client completes"
	diag "$(grep -A1 'BW average' bw-client.out | tail -n 1)"
else
	not_ok "ib_write_bw client completes"
	diag "$(cat bw-client.out)"
fi
if wait "$server"; then ok "ib_write_bw server completes"; else
	not_ok "ib_write_bw server completes"; diag "$(cat bw-server.out)"; fi

rping -s -a 192.0.2.1 -p 18700 -C 20 -S 1024 -v >rping-server.out 2>&1 &
server=$!
sleep 3  # rping listens on rdma_cm, not TCP: give it a moment
if rping -c -a 192.0.2.1 -p 18700 -C 20 -S 1024 -v >rping-client.out 2>&1 &&
   [ "$(grep -c 'ping data' rping-client.out)" -eq 20 ]; then
	ok "rping over rdma_cm: 20 pings verified"
else
	not_ok "rping over rdma_cm: 20 pings verified"
	diag "$(tail -n 5 rping-client.out)"
fi
if wait "$server"; then ok "rping server completes"; else
	not_ok "rping server completes"; diag "$(tail -n 5 rping-server.out)"; fi
