# Harness self-test: a case that never ends must be killed by its time
# limit and reported as timed out.
# vm-fs: none
# vm-timeout: 15
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1
sleep 100000
ok "not reached"
