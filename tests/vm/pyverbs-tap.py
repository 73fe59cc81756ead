#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run rdma-core's pyverbs test suite and print TAP.

Usage: pyverbs-tap.py TESTS_DIR KNOWN_FAILURES [run_tests.py options...]

TESTS_DIR is an unpacked copy of /usr/share/doc/rdma-core/tests (inside a
directory, as the package 'tests').  KNOWN_FAILURES lists, one per line,
"<test id> <reason>" for failures expected on Linux 6.1 rxe; they are
reported as TODO.  Every other failure or error fails the run.  A known
failure that passes is reported (TODO passes) so the list can be pruned.
"""
import os
import sys
import unittest


def main():
    tests_dir, known_file = sys.argv[1], sys.argv[2]
    known = {}
    with open(known_file) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                tid, _, why = line.partition(' ')
                known[tid] = why.strip()
    sys.argv = [sys.argv[0]] + sys.argv[3:]
    sys.path.insert(0, tests_dir)
    sys.path.insert(0, os.path.dirname(tests_dir))
    from args_parser import parser
    parser.parse_args()
    import tests as suite_pkg
    loader = unittest.defaultTestLoader
    suite = loader.loadTestsFromModule(suite_pkg)

    class TapResult(unittest.TestResult):
        n = 0
        bad = 0
        seen = set()

        def emit(self, test, status, note=''):
            self.n += 1
            tid = test.id()
            self.seen.add(tid)
            line = '%s %d - %s' % (status, self.n, tid)
            if tid in known:
                line += ' # TODO known 6.1 rxe failure: ' + known[tid]
            elif status == 'not ok':
                self.bad += 1
            elif note:
                line += ' ' + note
            print(line, flush=True)

        def addSuccess(self, test):
            self.emit(test, 'ok')

        def addSkip(self, test, reason):
            self.emit(test, 'ok', '# SKIP ' + ' '.join(str(reason).split()))

        def addFailure(self, test, err):
            self.emit(test, 'not ok')
            self.diag(self._exc_info_to_string(err, test))

        def addError(self, test, err):
            if isinstance(test, unittest.suite._ErrorHolder):
                self.n += 1
                self.bad += 1
                print('not ok %d - %s' % (self.n, test.id()), flush=True)
            else:
                self.emit(test, 'not ok')
            self.diag(self._exc_info_to_string(err, test))

        def addExpectedFailure(self, test, err):
            self.emit(test, 'ok', '# expected failure')

        def addUnexpectedSuccess(self, test):
            self.emit(test, 'not ok')

        @staticmethod
        def diag(text):
            for line in text.strip().splitlines()[-8:]:
                print('# ' + line)

    result = TapResult()
    suite.run(result)
    print('1..%d' % result.n)
    stale = sorted(set(known) - result.seen)
    for tid in stale:
        print('# known-failure entry matches no test: ' + tid)
    return 1 if result.bad else 0


if __name__ == '__main__':
    sys.exit(main())
