# Kernel rules 1, 2 and 4 with RDMA pins (issue 9): a plain F_LAYOUT lease
# does not allow a pin (EPERM: that needs F_EXCLUSIVE) and is not broken
# by an ordinary write; truncate and punch break it (the holder gets
# SIGIO) and go on as soon as the holder releases it, or, when it does
# not, after lease-break-time, which this case sets to 3 s and restores
# (at most 100 s more: on a loaded host TCG once took 45 s for that).
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 2

bt=/proc/sys/fs/lease-break-time
old=$(cat $bt) || bail "cannot read $bt"
trap 'echo "$old" >$bt' EXIT
echo 3 >$bt || bail "cannot set $bt"
out=$(quick 280 fp-vectors plain f 3 2>&1)
is "$(echo "$out" | grep -v '^#')" "holder: getlease=16
holder: pin under a plain layout lease: errno=EPERM
writer: write inside the file: ok, before lease-break-time: yes
holder: lease breaks seen: 0, getlease=16
holder: getlease=16
holder: pin under a plain layout lease: errno=EPERM
truncator: truncate over a plain lease released on break: ok, before lease-break-time: yes
holder: lease breaks seen: 1, getlease=2
holder: getlease=16
holder: pin under a plain layout lease: errno=EPERM
puncher: punch over a plain lease released on break: ok, before lease-break-time: yes
holder: lease breaks seen: 1, getlease=2
holder: getlease=16
holder: pin under a plain layout lease: errno=EPERM
truncator: truncate over a plain lease kept on break: ok, waited lease-break-time: yes
holder: lease breaks seen: 1, getlease=2
holder: getlease=16
holder: pin under a plain layout lease: errno=EPERM
puncher: punch over a plain lease kept on break: ok, waited lease-break-time: yes
holder: lease breaks seen: 1, getlease=2" \
	"plain layout leases: no pin, kept by writes, broken by truncate and punch (released or timed out)"
diag "$(echo "$out" | grep '^#')"
echo "$old" >$bt
is "$(cat $bt)" "$old" "lease-break-time restored"
