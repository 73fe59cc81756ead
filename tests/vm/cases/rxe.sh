# Soft-RoCE is up: rxe0 is ACTIVE, listed by ibv_devices, and an RC
# ping-pong over it completes in loopback.
# vm-fs: none
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 4

like "$(rdma link show rxe0/1)" 'state ACTIVE physical_state LINK_UP netdev dummy0' \
	"rdma link shows rxe0/1 ACTIVE on dummy0"
like "$(ibv_devices)" '^[[:space:]]+rxe0[[:space:]]' "ibv_devices lists rxe0"

# GID index 1 is the IPv4-mapped address of dummy0 (index 0 is link-local).
ibv_rc_pingpong -d rxe0 -g 1 -n 100 >server.out 2>&1 &
server=$!
wait_port 18515 || bail "ibv_rc_pingpong server did not listen"
check "ibv_rc_pingpong client over rxe0 completes" \
	ibv_rc_pingpong -d rxe0 -g 1 -n 100 192.0.2.1
if wait "$server"; then
	ok "ibv_rc_pingpong server completes"
else
	not_ok "ibv_rc_pingpong server completes"
	diag "$(cat server.out)"
fi
