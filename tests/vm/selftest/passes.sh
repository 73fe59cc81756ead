# Harness self-test: a case whose checks pass, run next to the broken ones,
# must still be reported passed.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 1
check "the case directory is on the DAX mount" test "${PWD#"$FILEPIN_MNT"/}" != "$PWD"
