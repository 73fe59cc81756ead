# Kernel rules 2 and 5 with RDMA pins (issue 9): a pinner passes its only
# descriptor of the leased description over SCM_RIGHTS while its MR lives.
# It may not pin any more (EPERM) but its MR keeps working and keeps
# protecting its range; the receiver, which holds the description now,
# may pin.  Once the receiver released the lease, layout changes in the
# pinned range are refused (ETXTBSY) and outside it allowed; the blocks
# under the pin did not move (FIEMAP); the pin goes with the MR.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1

out=$(quick 120 fp-vectors pass f 2>&1)
is "$out" "sender: pin under its lease: ok
sender: new pin after passing its only leased fd: errno=EPERM
sender: the old pin still works, MR data in the file: yes
receiver: getlease=48
receiver: pin through the passed description: ok
receiver: MR data in the file: yes
receiver: release the lease: ok
sender: getlease on a new description=2
sender: file_pins: fd 0-511 512
sender: punch in the pinned range: errno=ETXTBSY
sender: truncate into the pinned range: errno=ETXTBSY
sender: punch outside the pinned range: ok
sender: pinned blocks unchanged (FIEMAP): yes
sender: MR data in the file: yes
sender: file_pins after deregistration: empty
sender: punch after deregistration: ok" \
	"SCM_RIGHTS mid-pin: the sender may not pin again, its pin stays protected; the receiver may pin"
