#!/bin/sh
# The whole filepin test suite, from a fresh machine:
#   1. installs the Debian packages it needs (tools/install-deps),
#   2. builds with gcc in _build (warnings are errors), runs the host
#      tests (make check), cppcheck, make distcheck (tools/dist-check),
#      the Debian packages (tools/build-debs: dpkg-buildpackage, lintian,
#      the installed tools run from a scratch root) and checkpatch --strict
#      over the kernel series, then builds and tests again with clang in _build-clang,
#      and runs the library's and daemon's tests under ASan + UBSan and
#      under TSan (_build-asan, _build-tsan),
#   3. builds the patched and stock kernels (cached) and runs the VM suite
#      (tests/vm/suite): QEMU, pmem, ext4 + xfs with DAX, soft-RoCE, and
#      one pinmgr case on the binaries of the Debian packages.
# Ends with "N passed, N failed" over all of it; exits non-zero on any
# failure.  Options are passed to tests/vm/suite (e.g. --debug, -v).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { echo "=== $* ($(date +%H:%M:%S))"; }
t0=$(date +%s)

step "dependencies"
tools/install-deps all

# build DIR CONFIGURE-ARGS...: configure (once) and build out of tree.
build() {
	dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || ../configure -q "$@"; } &&
		make -j"$(nproc)")
}

step "build with gcc (-Werror)"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
build _build --enable-werror

host_pass=0 host_fail=0
host_tests() { # build dir, make arguments
	dir=$1
	shift
	rm -f "$dir/test-suite.log"
	if make -C "$dir" -j"$(nproc)" check "$@"; then :; else
		host_fail=$((host_fail + 1))
	fi
	if [ -f "$dir/test-suite.log" ]; then
		p=$(awk '/^# PASS:/ { s += $3 } END { print s + 0 }' "$dir/test-suite.log")
		f=$(awk '/^# (FAIL|ERROR|XPASS):/ { s += $3 } END { print s + 0 }' "$dir/test-suite.log")
		host_pass=$((host_pass + ${p:-0}))
		host_fail=$((host_fail + ${f:-0}))
	fi
}
step "host tests (gcc build)"
host_tests _build
step "cppcheck"
if make -C _build cppcheck; then host_pass=$((host_pass + 1)); else host_fail=$((host_fail + 1)); fi

step "release tarball: make distcheck, every tracked file shipped"
if tools/dist-check _build; then host_pass=$((host_pass + 1)); else host_fail=$((host_fail + 1)); fi

step "Debian packages: build, lintian, install into a scratch root (tools/build-debs)"
if tools/build-debs _build; then host_pass=$((host_pass + 1)); else host_fail=$((host_fail + 1)); fi

step "kernel series: checkpatch --strict"
if kernel/check-series --no-build; then host_pass=$((host_pass + 1)); else host_fail=$((host_fail + 1)); fi

step "build and host tests with clang (-Werror)"
if build _build-clang CC=clang --enable-werror; then
	host_tests _build-clang
else
	host_fail=$((host_fail + 1))
fi
# The library's and the daemon's tests (thread safety, error rollback,
# protocol decoding) again under the sanitizers.
san_tests='$(lib_tests) $(daemon_tests) tests/daemon/daemon.test tests/daemon/metrics.test'
step "library and daemon tests under ASan + UBSan (gcc)"
if build _build-asan --enable-werror --enable-asan --enable-ubsan; then
	host_tests _build-asan TESTS="$san_tests"
else
	host_fail=$((host_fail + 1))
fi
step "library and daemon tests under TSan (clang)"
if build _build-tsan CC=clang --enable-werror --enable-tsan; then
	host_tests _build-tsan TESTS="$san_tests"
else
	host_fail=$((host_fail + 1))
fi
echo "host: $host_pass passed, $host_fail failed"

step "VM suite"
vm_out=$(mktemp)
set +e
tests/vm/suite -b "$top/_build" "$@" | tee "$vm_out"
set -e
vm_line=$(tail -n 1 "$vm_out")
rm -f "$vm_out"
case $vm_line in
*" passed, "*" failed, "*) ;;
*) vm_line="0 passed, 1 failed, 0 skipped" ;;
esac
vm_pass=${vm_line%% passed*}
vm_fail=${vm_line#*passed, }; vm_fail=${vm_fail%% failed*}
vm_skip=${vm_line#*failed, }; vm_skip=${vm_skip%% skipped*}

# One pinmgr case again, with pinmgr, pinctl and libfilepin.so.1 from the
# Debian packages (tools/build-debs unpacked them into _build-deb/root and
# made _build-deb/vmbuild point at them).
step "VM: pinmgr-list with the installed packages"
vm_line="0 passed, 1 failed, 0 skipped"
if [ -x _build-deb/vmbuild/cli/pinctl ]; then
	vm_out=$(mktemp)
	set +e
	tests/vm/run -b "$top/_build-deb/vmbuild" tests/vm/cases/pinmgr-list.sh | tee "$vm_out"
	set -e
	case $(tail -n 1 "$vm_out") in
	*" passed, "*" failed, "*) vm_line=$(tail -n 1 "$vm_out") ;;
	esac
	rm -f "$vm_out"
fi
p=${vm_line%% passed*}
f=${vm_line#*passed, }; f=${f%% failed*}
vm_pass=$((vm_pass + p))
vm_fail=$((vm_fail + f))

step "done in $(( $(date +%s) - t0 ))s"
echo "host: $host_pass passed, $host_fail failed; vm: $vm_pass passed, $vm_fail failed, $vm_skip skipped"
passed=$((host_pass + vm_pass))
failed=$((host_fail + vm_fail))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
