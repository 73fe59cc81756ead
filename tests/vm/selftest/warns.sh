# Harness self-test: a case during which the kernel prints a WARNING must
# be reported failed even though its own checks pass.  lkdtm's WARNING
# crash type runs a WARN_ON(1).
# vm-fs: none
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1
check "lkdtm accepts WARNING" sh -c 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT'
