# SPDX-License-Identifier: GPL-2.0
"""TAP for the test programs in Python: tests/lib/tap.sh's semantics.

The emitter numbers the results and counts them; nobody computes a plan.
done() prints the plan from that count at the end, with the totals, and
returns the exit status: 0 when every result passed or was skipped and
there was at least one. A program that stops before done() prints no plan,
which tests/lib/tap-summary counts as a failure of its layer.
"""
import sys


class Tap:
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.n = self.failed = self.skipped = 0

    def _print(self, line):
        print(line, file=self.out)

    def result(self, ok, desc, diag=()):
        """One result; DIAG lines become "# " diagnostics."""
        self.n += 1
        self.failed += not ok
        self._print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, desc))
        for line in diag:
            self._print('# ' + line)
        return ok

    def skip(self, desc, why, diag=()):
        """A test that cannot run here: skipped, never passed."""
        self.n += 1
        self.skipped += 1
        self._print('ok %d - %s # SKIP %s' % (self.n, desc, why))
        for line in diag:
            self._print('# ' + line)

    def done(self):
        self._print('1..%d' % self.n)
        self._print('# Totals: pass:%d fail:%d skip:%d' %
                    (self.n - self.failed - self.skipped, self.failed, self.skipped))
        return 0 if self.n and not self.failed else 1
