# Harness self-test: a case with a failing check must be reported failed.
# vm-fs: none
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 2
ok "this check passes"
is "1" "2" "this check fails on purpose"
