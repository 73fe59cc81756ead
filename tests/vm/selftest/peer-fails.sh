# Harness self-test, two guests: a command that fails on the peer fails
# the check that ran it, and so the case.
# vm-peer: yes
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 2
check "the peer answers" peer true
check "this command fails on the peer on purpose" peer false
