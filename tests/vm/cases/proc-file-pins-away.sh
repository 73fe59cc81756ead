# Kernel rule 7 (issue 12 section 2): a pin whose owning file is in no fd
# table of the process that took it is listed there as "fd:-" with the
# owner's path: an MR's uverbs fd in flight over SCM_RIGHTS, then kept
# alive only by the mappings of its queues; it still protects its range.
# vm-fs: ext4
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1

out=$(quick 120 fp-vectors away f 2>&1)
is "$out" "pin: ok
file_pins with the uverbs fd open: fd 0-511 512 (fd:N /dev/infiniband/uverbs0)
file_pins with the uverbs fd in flight: fd:- 0-511 512 (fd:- /dev/infiniband/uverbs0)
file_pins with the uverbs fd received back: fd 0-511 512
file_pins with the uverbs fd closed, its queues mapped: fd:- 0-511 512 (fd:- /dev/infiniband/uverbs0)
punch in the pinned range: errno=ETXTBSY" \
	"the pin of an MR whose uverbs fd is in flight or only mapped is listed as fd:-"
