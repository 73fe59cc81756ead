# Kernel rules 2, 6 and 7 with RDMA pins (issue 9): a pinner leases and
# pins, hands its leased description and its uverbs file (the MR's owner)
# to its parent and exits; its pin lives on, shown in the parent's
# /proc/PID/file_pins.  A new process gets the dead pinner's pid (clone3
# with set_tid, as root): it sees no pins in its file_pins and may not pin
# (EPERM), while the holder of the description may.  Closing the uverbs
# file drops the pin; with the lease released the file can be punched.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1

out=$(quick 120 fp-vectors reuse f 2>&1)
is "$out" "taker: pin under its lease: ok
taker: file_pins: fd 0-511 512
parent: the passed description still leases: getlease=48
parent: file_pins with the dead taker's uverbs fd: fd 0-511 512
reuser: same pid as the taker: yes, file_pins: empty
reuser: getlease=2
reuser: pin: errno=EPERM
reuser: file_pins after the attempt: empty
parent: pin through the passed description: ok
parent: file_pins after closing the taker's uverbs fd: empty
parent: punch once no lease and no pin is left: ok" \
	"a process with a dead pinner's pid gets neither its pins nor its right to pin"
