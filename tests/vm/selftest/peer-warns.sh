# Harness self-test, two guests: a kernel WARNING on the peer guest fails
# the run even though the case's own checks pass.
# vm-peer: yes
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1
check "lkdtm on the peer accepts WARNING" \
	peer 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT'
