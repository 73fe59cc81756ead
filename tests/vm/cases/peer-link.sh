#!/bin/sh
# Two guests on one link: the peer answers commands, each sees the other
# over eth0, rxe0 is ACTIVE on both, and rdma_cm connects across (rping:
# the peer serves, this guest connects and moves data).
# vm-peer: yes
# vm-timeout: 240
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 5

check "the peer runs commands" peer true
is "$(peer hostname)" filepin-peer "the peer is the other guest"
got=$(peer 'echo out; echo err >&2; exit 3' 2>peer.err)
rc=$?
is "$got/$(cat peer.err)/$rc" "out/err/3" "the peer's output, errors and exit status come back"
like "$(peer 'rdma link show rxe0/1')" "state ACTIVE.*netdev eth0" "rxe0 is up on the peer's eth0"

# rping server on the peer (in the background there), client here
peer 'rping -s -a "$FILEPIN_SELF_ADDR" -C 10 -v >rping.log 2>&1 & echo $! >rping.pid' >/dev/null
out=$(timeout 60 sh -c '
	i=0
	until rping -c -a "$FILEPIN_PEER_ADDR" -C 10 -v 2>&1; do
		i=$((i + 1)); [ $i -lt 20 ] || exit 1; sleep 0.5
	done')
like "$out" "ping data: rdma-ping-9" "rdma_cm connection to the peer moves data (rping)"
