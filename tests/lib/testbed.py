#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The testbed's console markers, and its verdict on a boot.

Every level of the testbed (tests/vm/run, l1-init, l2-init, tap.sh) marks
what it does with lines that start with "@@ ". They are specified once, in
MARKERS below; this module is what reads them back:

  testbed.py markers             the table of markers
  testbed.py tap NAME LOG        the TAP a test printed with tap_section NAME
  testbed.py l2-where DIR [MAP]  where a hung L2's vCPUs were, by function
  testbed.py classify DIR        the verdict on the boot logged in DIR
                                 (build/vm/NAME): one line "CAUSE: detail",
                                 exit 0 when the failure may be retried, 1
                                 when it may not, 2 when the boot passed

The retry policy (classify): a failed boot is booted again only when its
logs match one of EMULATOR_SIGNATURES that a control experiment reproduced
with none of our code running (Debian's stock KVM in L1, no module of ours
in L2) under the same version of L0's QEMU; each names its evidence, which
is in tests/vm/NOTES.md. Anything else fails, whether our code had run or
not.
"""
import os
import re
import sys

# name: (printed by, what it says). Arguments follow the name on the line.
MARKERS = {
    'L1-UP': ('l1-init', 'L1 booted: kernel release, cpus=N'),
    'KVM': ('l1-init', 'the kvm modules L1 loaded: patched or stock'),
    'HOST-EXEC': ('l1-init', 'the host command (--host-exec) starts'),
    'HOST-EXEC-RC': ('l1-init', 'the host command ended with status N'),
    'L2-START': ('l1-init', "L2's QEMU starts: smp=N cpu=MODEL"),
    'L2-BOOT-HUNG': ('l1-init', 'L2 did not reach its init in 120 s'),
    'L2-UP': ('l2-init', 'L2 booted: kernel release, cpus=N'),
    'L2-TEXT': ('l2-init', "where L2's kernel text is: _text=ADDR"),
    'GUEST-EXEC': ('l2-init', 'the guest command (--guest-exec) starts'),
    'EXIT': ('l2-init', 'the guest command ended with status N'),
    'L2-HUNG': ('l1-init', "L2's QEMU was killed: at --l2-timeout, or not up in 120 s"),
    'L2-DIED': ('l1-init', "L2's QEMU exited before the guest command ended"),
    'L2-SHUTDOWN': ('l1-init', "L2's triple fault: vcpu=N rip=ADDR exit_int_info=X"),
    'L2-MIGRATED': ('l1-init', 'L2 was migrated N times (host agent)'),
    'L2-EXITS': ('l1-init', "L2's exits in L1's KVM by kind: exits= io= mmio= halt= irq= "
                 'hypercalls= (sampled every 2 s while L2 ran)'),
    'L1-EXIT': ('l1-init', "L1's verdict N, then it powers off"),
    'L1-LOG-DIRTY': ('l1-init', "L1's kernel log had N lines of WARN, BUG, oops, lockup "
                     'or RCU stall while L2 ran (fails the boot)'),
    'TAP-BEGIN': ('tap.sh', 'the TAP of layer NAME follows'),
    'TAP-END': ('tap.sh', 'the TAP of layer NAME ended'),
    'HOST-STAT': ('L2 tests', 'request: KVM statistics (host agent)'),
    # Retired with the 6.1 host series (its kvm.pvops_hypercalls): only in
    # the logs of old boots, which the fixtures keep.
    'HOST-PARAM': ('L2 tests', 'request: write a kvm module parameter (retired)'),
    'HOST-PIN': ('L2 tests', "request: pin L2's vCPU threads"),
    'HOST-MIGRATE': ('L2 tests', 'request: live-migrate L2'),
    'HOST-STOPCONT': ('L2 tests', 'request: stop L2, continue it later'),
    'HOST-RESEND': ('L2 tests', 'request: send a reply again'),
    'HOST-NEIGHBOUR': ('L2 tests', 'request: boot a second L2 beside this one, '
                       'running tests/e2e/neighbour-load for SECS'),
    'HOST-NEIGHBOUR-WAIT': ('L2 tests', 'request: wait for the second L2 to end'),
    'NEIGHBOUR-LOADED': ('neighbour-load', "the second L2's modules and load run"),
    'BENCH-START': ('bench', 'a benchmark run and its key=value settings'),
    'BENCH': ('bench', 'one measurement, key=value'),
    'BENCH-NA': ('bench', 'a configuration that cannot run, and why'),
    'EXITS': ('bench', "the host's exit counts around a measurement"),
    'BENCH-END': ('bench', 'the benchmark run ended'),
    'TIMELINE-BEGIN': ('timeline-host', "L1's trace of a window TAG follows, gzip and "
                       'base64 (tests/bench/timeline)'),
    'TIMELINE-END': ('timeline-host', 'the trace of window TAG ended: lines=N'),
    'TIMELINE-ERROR': ('timeline-host', 'no trace instance, or an event it could not '
                       'turn on'),
    'L0-CPU': ('l0-watch', "an L1 CPU at a reset or L0's timeout (l0-stop.log, "
               'l0-regs.log): N rip=ADDR HLT= IF= timer= LVTT= ISR= IRR= cr2= pre='),
    'L2-VCPU': ('l1-init', "a hung L2's vCPU thread in L1: N state=S stack=TOP < ..."),
    'L2-CPU': ('l1-init', "a hung L2's vCPU (QEMU's registers): N rip=ADDR HLT= IF= CPL= "
               '[l1=__svm_vcpu_run+OFF: an address of L1, not of L2]'),
    'L2-STACK': ('l1-init', "a hung L2's vCPU N: the words at its RSP that may be "
                 'kernel addresses, innermost first'),
}


def marker(line):
    """(name, arguments) of a marker line of one level's log, else None."""
    if not line.startswith('@@ '):
        return None
    name, _, args = line[3:].rstrip('\r\n').partition(' ')
    if name.endswith('-REPLY') or name == 'HOST-RESENT':
        return (name, args)
    return (name, args) if name in MARKERS else None


class Boot:
    """One boot's logs (tests/vm/run's folder): console.log has every line
    with its level's prefix ("L1: ", "L2: "; a second L2 beside the first,
    "L1: L2b: "), l0.rc QEMU's status in L0."""

    def __init__(self, folder):
        self.folder = folder
        self.l1, self.l2, self.l2b, self.marks = [], [], [], []
        with open(os.path.join(folder, 'console.log'), errors='replace') as f:
            for line in f.read().splitlines():
                if line.startswith('L1: L2b: '):
                    self.l2b.append(line[9:])
                    continue
                if line.startswith('L2: '):
                    self.l2.append(line[4:])
                    lvl = 'L2'
                else:
                    line = line[4:] if line.startswith('L1: ') else line
                    self.l1.append(line)
                    lvl = 'L1'
                m = marker(self.l2[-1] if lvl == 'L2' else line)
                if m:
                    self.marks.append((lvl, m[0], m[1]))
        self.l0rc = self._read('l0.rc')
        self.exit = self._read('exit')
        self.lockup = os.path.exists(os.path.join(folder, 'l1-lockup'))
        # L0's QEMU, major.minor (tests/vm/run writes it); the boots kept
        # from before it did ran on Debian 12's 7.2.
        self.l0qemu = self._read('l0-qemu') or '7.2'

    def _read(self, name):
        try:
            with open(os.path.join(self.folder, name)) as f:
                return f.read().strip()
        except OSError:
            return None

    def seen(self, name):
        return any(m[1] == name for m in self.marks)

    def arg(self, name):
        """The arguments of the last marker NAME, or None."""
        args = [m[2] for m in self.marks if m[1] == name]
        return args[-1] if args else None

    def our_code_ran(self):
        """Whether anything of ours beyond the stock kernels had run: the
        guest command (it loads our modules, makes our hypercalls), or a
        host command that had not returned (the KVM selftests)."""
        if self.seen('GUEST-EXEC'):
            return True
        return self.seen('HOST-EXEC') and not self.seen('HOST-EXEC-RC')


def _text(lines):
    return '\n'.join(lines)


# Failures of L0's emulation, each: (cause, what it is, the evidence in
# tests/vm/NOTES.md, the versions of L0's QEMU (major.minor) under which a
# control experiment reproduced it with none of our code running, a
# predicate on a Boot). A boot that matches is retried only when it ran
# under one of those versions: a new emulator needs its own control.
def _vcpu_stack_overflow(b):
    # An L1 KVM vCPU thread ran into its stack guard page in a recursion
    # of faults of the kernel's entry code, and every kernel RIP the oops
    # reports is entry code (or the instruction after VMRUN): the first
    # one logged in full was an interrupt taken right after VMRUN, with
    # GIF=0 and the guest's GS base still loaded, so every GS-relative
    # load of the entry code faulted again. A RIP anywhere else (a
    # handler of ours recursing) does not match.
    t = _text(b.l1)
    rips = set(re.findall(r'RIP: 0010:(\w+)\+', t))
    return ('stack guard page was hit' in t and
            re.search(r'Comm: CPU \d+/KVM', t) is not None and
            bool(rips) and rips <= {'__svm_vcpu_run', 'error_entry',
                                    'exc_page_fault', 'asm_exc_page_fault',
                                    'irqentry_enter'})


def l0_cpus(folder, name='l0-stop.log'):
    """L1's CPUs as L0 saw them (tests/lib/l0-watch: l0-stop.log at a
    reset of L1, l0-regs.log before L0's timeout): one dict per CPU with
    its @@ L0-CPU fields and its IDT ('idt': (base, limit))."""
    try:
        with open(os.path.join(folder, name), errors='replace') as f:
            text = f.read()
    except OSError:
        return []
    pprs = {int(n): int(ppr, 16) for n, ppr in
            re.findall(r'^dumping local APIC state for CPU (\d+)(?:(?!^dumping).)*?PPR 0x([0-9a-f]+)',
                       text, re.M | re.S)}
    idts = {int(n): (int(base, 16), int(limit, 16)) for n, base, limit in
            re.findall(r'^CPU#(\d+)$(?:(?!^CPU#).)*?^IDT=\s+([0-9a-f]+) ([0-9a-f]+)',
                       text, re.M | re.S)}
    cpus = []
    for line in text.splitlines():
        m = marker(line)
        if m and m[0] == 'L0-CPU':
            n, _, rest = m[1].partition(' ')
            cpu = dict(f.split('=', 1) for f in rest.split() if '=' in f)
            cpu['n'] = int(n)
            cpu['idt'] = idts.get(int(n))
            cpu['ppr'] = pprs.get(int(n))
            cpus.append(cpu)
    return cpus


def _l1_triple_fault_after_vmrun(b):
    # L1 reset with no message in a triple fault (L0's -d cpu_reset log)
    # and a CPU that L0 stopped right after a VMRUN (the three bytes before
    # its RIP are VMRUN's) with CR2 in its own IDT: the page fault before
    # the triple fault was on reading the IDT, which every page table of
    # the kernel maps. The host's state had not been restored yet when L0
    # delivered the exception: the same moment as l1-vcpu-stack-overflow.
    if b.arg('L1-EXIT') is not None or re.search(r'Kernel panic|BUG:|Oops', _text(b.l1)):
        return False
    try:
        with open(os.path.join(b.folder, 'l0-reset.log'), errors='replace') as f:
            if 'Triple fault' not in f.read():
                return False
    except OSError:
        return False
    for cpu in l0_cpus(b.folder):
        try:
            cr2 = int(cpu.get('cr2', ''), 16)
        except ValueError:
            continue
        if (cpu.get('pre') == '0f01d8' and cpu['idt'] and
                cpu['idt'][0] <= cr2 <= cpu['idt'][0] + cpu['idt'][1]):
            return True
    return False


def _l1_interrupt_not_delivered(b):
    # A level hung (L0 killed at its timeout), and just before, L0 had an
    # L1 CPU halted (HLT=1) with interrupts enabled (IF=1), nothing in
    # service and a vector pending in its local APIC's IRR whose priority
    # class is above the processor priority (PPR): an interrupt the CPU
    # had to take, which would have woken it. L1's kernel cannot cause
    # that; L0's emulation did not wake the CPU.
    if b.l0rc not in ('124', '137') or b.arg('L1-EXIT') is not None:
        return False
    for cpu in l0_cpus(b.folder, 'l0-regs.log'):
        if (cpu.get('HLT') != '1' or cpu.get('IF') != '1' or
                cpu.get('ISR') != 'none' or cpu['ppr'] is None):
            continue
        irr = [int(v) for v in cpu.get('IRR', 'none').split(',') if v.isdigit()]
        if any(v >> 4 > cpu['ppr'] >> 4 for v in irr):
            return True
    return False


def _l2_vcpu_at_l1_vmrun(b):
    # L2 hung, and QEMU in L1 had a vCPU of L2 at a RIP in L1's own VMRUN
    # code (l1-init's l1= field): the state L1's KVM got back from L0 for
    # L2 was L1's, right after its VMRUN. Only L0's world switch mixes them.
    return ((b.seen('L2-HUNG') or b.seen('L2-BOOT-HUNG')) and
            any(m[1] == 'L2-CPU' and ' l1=__svm_vcpu_run+' in m[2] for m in b.marks))


def _l2_exit_silent(b):
    # L2's QEMU exited 0 (-no-reboot: L2 reset, a triple fault), L1 went
    # on, and neither kernel logged a fault.
    fault = re.compile(r'Kernel panic|Oops|BUG:|WARNING:|Call Trace')
    return (b.seen('L1-EXIT') and
            (b.arg('L2-DIED') or '').startswith('qemu exit 0 ') and
            not fault.search(_text(b.l2)) and not fault.search(_text(b.l1)))


def _l2_silent_reset(b):
    # ... after L2 had booted.
    return b.seen('L2-UP') and _l2_exit_silent(b)


def _l2_reset_delivering(b, mask, value):
    # ... after L2 had booted, and L1's KVM saw the triple fault while an
    # event was being delivered to L2: EXITINTINFO & MASK == VALUE. The
    # event's delivery faulted, and then #DF's.
    if not _l2_silent_reset(b):
        return False
    try:
        info = int(l2_shutdown(b)['exit_int_info'], 16)
    except (KeyError, ValueError):
        return False
    return info & mask == value


def _l2_reset_pf_delivery(b):
    # ... a page fault (a valid exception, vector 14). Seen with stock KVM
    # and nothing of ours in L2 (C12-q10 in tests/vm/NOTES.md).
    return _l2_reset_delivering(b, 0x800007ff, 0x8000030e)


def _l2_reset_irq_delivery(b):
    # ... an external interrupt (valid, type 0: e.g. the local timer, 0xec,
    # or a call-function IPI, 0xfb), typically right after L1's KVM
    # injected it on VMRUN. Seen with stock KVM and nothing of ours in L2
    # under an IPI storm (S10 in tests/vm/NOTES.md).
    return _l2_reset_delivering(b, 0x80000700, 0x80000000)


def _l2_reset_booting(b):
    # ... while L2's kernel booted, before its init ran.
    return b.seen('L2-START') and not b.seen('L2-UP') and _l2_exit_silent(b)


# A stack frame in one of our guest modules ("func+0x1/0x2 [pvtlb]").
_OUR_FRAME = re.compile(r'\+0x[0-9a-f]+/0x[0-9a-f]+ \[(pvops|pvtlb|pvspinlock|pvclock)')


def _l2_lockup_hung(b):
    # An L2 CPU stuck (soft lockup, e.g. waiting for the answer to an IPI
    # that never came), and the boot ended by a timeout: L1 killed, or L2.
    # No reported stack is in a module of ours.
    t = _text(b.l2)
    return ('watchdog: BUG: soft lockup' in t and not _OUR_FRAME.search(t) and
            (b.l0rc in ('124', '137') or b.seen('L2-HUNG')))


def _hung_before_tests(b):
    # A level hung before any test command had started: L1 killed at the
    # timeout, or L2 not up in 120 s, while only the kernels booted.
    return (not b.our_code_ran() and not b.lockup and
            (b.l0rc in ('124', '137') or b.seen('L2-BOOT-HUNG')))


EMULATOR_SIGNATURES = [
    ('l1-vcpu-stack-overflow',
     'an L1 KVM vCPU thread hit its stack guard page in a recursion of '
     'faults in the entry code',
     'tests/vm/NOTES.md, "L1 deaths"', ('10.0',), _vcpu_stack_overflow),
    ('l1-triple-fault-after-vmrun',
     'L1 triple-faulted right after a VMRUN, unable to read its own IDT',
     'tests/vm/NOTES.md, "L1 deaths"', ('10.0', '11.1'), _l1_triple_fault_after_vmrun),
    ('l2-reset-pf-delivery',
     'L2 reset with no message (a triple fault) while a page fault was '
     'delivered to it',
     'tests/vm/NOTES.md, "L2 resets"', ('10.0', '11.1'), _l2_reset_pf_delivery),
    ('l2-reset-irq-delivery',
     'L2 reset with no message (a triple fault) while an interrupt was '
     'delivered to it',
     'tests/vm/NOTES.md, "L2 resets"', ('10.0', '11.1'), _l2_reset_irq_delivery),
    ('l2-silent-reset',
     'L2 reset with no message (a triple fault) after it had booted',
     'tests/vm/NOTES.md, "L2 resets"', ('7.2',), _l2_silent_reset),
    ('l2-reset-booting',
     'L2 reset with no message (a triple fault) while its kernel booted',
     'tests/vm/NOTES.md, "L2 resets"', ('10.0', '11.1'), _l2_reset_booting),
    ('l2-lockup-hung',
     'an L2 CPU in a soft lockup and the boot ended by a timeout',
     'tests/vm/NOTES.md, "Lost interrupts"', ('7.2', '10.0'),
     _l2_lockup_hung),
    ('l2-vcpu-at-l1-vmrun',
     "L2 hung with a vCPU at L1's own address right after VMRUN",
     'tests/vm/NOTES.md, "L1 deaths"', (), _l2_vcpu_at_l1_vmrun),
    ('l1-interrupt-not-delivered',
     'L1 hung with a CPU halted, interrupts enabled and a deliverable '
     'vector pending in its local APIC',
     'tests/vm/NOTES.md, "L1 frozen while L2 boots"', ('10.0',),
     _l1_interrupt_not_delivered),
    ('hung-before-tests',
     'a level hung while the kernels booted, before any test command',
     'tests/vm/NOTES.md, "L1 frozen while L2 boots"', ('7.2', '10.0'),
     _hung_before_tests),
]


def classify(folder):
    """(cause, detail, retry) for the boot logged in FOLDER."""
    b = Boot(folder)
    # A boot may match several signatures (a silent L2 reset, and one at a
    # known place): retried if any of them was reproduced under its L0
    # QEMU, else it fails with the first.
    matched = [s for s in EMULATOR_SIGNATURES if s[4](b)]
    if matched:
        cause, what, evidence, versions, _ = next(
            (s for s in matched if b.l0qemu in s[3]), matched[0])
        reproduced = b.l0qemu in versions
        return cause, '%s (emulator; %s without our code under L0 QEMU %s; %s)' % (
            what, 'reproduced' if reproduced else 'not reproduced',
            b.l0qemu, evidence), reproduced
    l1_exit = b.arg('L1-EXIT')
    if b.exit == '0':
        return 'pass', 'the guest command exited 0', None
    when = ('after the test command started' if b.our_code_ran()
            else 'before any test command ran')
    if b.lockup:
        return 'l1-soft-lockup', 'an L1 CPU stopped scheduling %s' % when, False
    if l1_exit is None:
        if b.l0rc in ('124', '137'):
            return 'l1-hung', 'L1 killed at --timeout %s' % when, False
        if b.l0rc not in (None, '0'):
            return 'l0-qemu-failed', "L0's QEMU exit %s %s" % (b.l0rc, when), False
        oops = re.search(r'(Kernel panic|BUG:|Oops)[^\n]*', _text(b.l1))
        return ('l1-died', 'L1 reset %s%s' % (
            when, ': ' + oops.group(0) if oops else ' with no message'), False)
    if b.seen('L2-BOOT-HUNG') or (b.seen('L2-HUNG') and not b.seen('L2-UP')):
        return 'l2-boot-hung', 'L2 did not boot', False
    if b.seen('L2-HUNG'):
        return 'l2-hung', 'L2 killed at --l2-timeout %s' % when, False
    if b.seen('L2-DIED'):
        qemu = b.arg('L2-DIED')
        fault = re.search(r'(Kernel panic|BUG:|Oops|WARNING:)[^\n]*', _text(b.l2))
        if not b.seen('L2-UP'):
            return 'l2-died-booting', 'L2 %s while booting' % qemu, False
        return ('l2-died', 'L2 %s %s%s' % (
            qemu, when, ': ' + fault.group(0) if fault else ' with no message'),
            False)
    if b.seen('L1-LOG-DIRTY'):
        return ('l1-log-dirty', "L1's kernel log had a WARN, BUG, oops, lockup or RCU "
                'stall while L2 ran (%s lines)' % (b.arg('L1-LOG-DIRTY') or '?').split(' ')[0],
                False)
    return 'test-failed', 'exit %s: a test failed' % b.exit, False


def l2_shutdown(b):
    """L2's triple fault as L1's KVM saw it (@@ L2-SHUTDOWN: vcpu, rip,
    exit_int_info) with where L2's text was (@@ L2-TEXT: _text), as a dict
    of strings; empty without the shutdown."""
    shut = b.arg('L2-SHUTDOWN')
    if shut is None:
        return {}
    return dict(kv.split('=', 1) for kv in
                ((b.arg('L2-TEXT') or '') + ' ' + shut).split() if '=' in kv)


class Symbols:
    """L2's kernel text by function, from a System.map (or a /proc/kallsyms
    of any boot), placed where L2's text was in the boot at hand (@@
    L2-TEXT: KASLR moves it at every boot, as a whole)."""

    def __init__(self, boot, path=None):
        self.syms = []
        try:
            self.text = int((boot.arg('L2-TEXT') or '').partition('=')[2], 16)
        except ValueError:
            self.text = None
        if path:
            with open(path) as m:
                for line in m:
                    w = line.split()
                    if len(w) == 3 and w[1] in 'tTwW':
                        self.syms.append((int(w[0], 16), w[2]))
            self.syms.sort()
        base = [a for a, n in self.syms if n == '_text']
        self.base = base[0] if base else None
        # The kernel's text up to its last function, .init.text included
        # (an early hang's RIP is there), without a map the 1 GiB that
        # KASLR places it in.
        self.size = (self.syms[-1][0] - self.base + 0x1000
                     if self.syms and base else 0x40000000)

    def name(self, addr):
        """'_text+OFF, func+OFF' for an address in L2's kernel text (the
        function only with a map), 'a module' for one in the module
        area, else None (also without @@ L2-TEXT: L2 hung before its
        init printed it)."""
        if addr >= 0xffffffffc0000000:
            return 'a module'
        if self.text is None:
            return None
        off = addr - self.text
        if not 0 <= off < self.size:
            return None
        where = '_text+%#x' % off
        if self.base is not None:
            rip = self.base + off
            fn = max((s for s in self.syms if s[0] <= rip), default=None)
            if fn:
                where += ', %s+%#x' % (fn[1], rip - fn[0])
        return where


def l2_triple_fault(folder, symbols=None):
    """One line on L2's triple fault (l2_shutdown()), or None: its RIP also
    from _text (the same in every boot of that kernel) and, with SYMBOLS
    (L2's /proc/kallsyms of any boot, or a System.map), by function."""
    b = Boot(folder)
    f = l2_shutdown(b)
    if not f:
        return None
    sym = Symbols(b, symbols)
    try:
        where = sym.name(int(f['rip'], 16))
    except (KeyError, ValueError):
        where = None
    if sym.text is None:
        where = ''
    elif where is None or where == 'a module':
        where = ' (not in the kernel text: a module, or no code)'
    else:
        where = ' (%s)' % where
    return 'L2 triple fault on vcpu %s at rip %s%s, exit_int_info %s' % (
        f.get('vcpu', '?'), f.get('rip', '?'), where,
        f.get('exit_int_info', '?'))


def l2_where(folder, symbols=None):
    """Where a hung L2's vCPUs were (l1-init's @@ L2-CPU, @@ L2-STACK),
    one line each: "N rip=ADDR (func+OFF) HLT= IF= CPL=", then the words
    on its stack that are addresses of L2's kernel text, innermost first,
    as the kernel's "? func" lines (a crude backtrace: a word may be
    stale), with SYMBOLS (a System.map) by function."""
    b = Boot(folder)
    sym = Symbols(b, symbols)
    stacks = {}
    for lvl, name, args in b.marks:
        if lvl == 'L1' and name == 'L2-STACK':
            n, _, words = args.partition(' ')
            stacks[n] = words.split()
    out = []
    for lvl, name, args in b.marks:
        if lvl != 'L1' or name != 'L2-CPU':
            continue
        n, _, rest = args.partition(' ')
        f = dict(kv.split('=', 1) for kv in rest.split() if '=' in kv)
        line = '%s %s' % (n, rest)
        try:
            where = sym.name(int(f.get('rip', ''), 16))
        except ValueError:
            where = None
        if where and 'l1' not in f:
            line = line.replace('rip=%s' % f['rip'], 'rip=%s (%s)' % (f['rip'], where), 1)
        seen = []
        for w in stacks.get(n, []):
            try:
                at = sym.name(int(w, 16))
            except ValueError:
                continue
            if sym.text is None and at is None:
                at = w      # no @@ L2-TEXT to place it: the raw word
            if at and at != 'a module':
                at = at.split(', ')[-1]
            if at and at not in seen[-1:]:
                seen.append(at)
        if seen:
            line += ' stack: ? ' + ' < ? '.join(seen[:12])
        out.append(line)
    return out


# Markers that no section can hold: a section's TAP-BEGIN, and what a
# level's init prints outside the tests (a kernel booted, the guest
# command ended).
SECTION_BOUNDS = ('TAP-BEGIN', 'L1-UP', 'L1-EXIT', 'L2-UP', 'EXIT')


def tap_section(name, lines):
    """The lines of section NAME (tap_section in tap.sh) of one level's log.
    A TAP-END lost to the console (a crash right after it, tap.sh's
    console_drain) would run the section into what follows, another
    section's results or a kernel booted by kexec: the section ends at the
    first marker that cannot be inside it instead, said in a diagnostic
    line; its results and plan are judged as they are."""
    out, inside = [], False
    for line in lines:
        m = marker(line)
        if inside and m and m[0] in SECTION_BOUNDS:
            out.append('# %s: no TAP-END; the section ends at "@@ %s %s"' % (name, m[0], m[1]))
            inside = False
        if m == ('TAP-BEGIN', name):
            inside = True
        elif m == ('TAP-END', name):
            inside = False
        elif inside:
            out.append(line)
    return out


def main(argv):
    if len(argv) == 2 and argv[1] == 'markers':
        for name, (who, what) in MARKERS.items():
            print('@@ %-14s %-9s %s' % (name, who, what))
        return 0
    if len(argv) == 4 and argv[1] == 'tap':
        name = argv[2]
        if not os.path.exists(argv[3]):
            # A level that never printed (a second L2 that never booted
            # because the first hung): no TAP, which the summary reports.
            sys.stderr.write('%s: no log %s\n' % (name, argv[3]))
            return 0
        with open(argv[3], errors='replace') as f:
            for line in tap_section(name, f.read().splitlines()):
                print(line)
        return 0
    if len(argv) in (3, 4) and argv[1] == 'l2-where':
        for line in l2_where(argv[2], argv[3] if len(argv) == 4 else None):
            print(line)
        return 0
    if len(argv) in (3, 4) and argv[1] == 'l2-fault':
        fault = l2_triple_fault(argv[2], argv[3] if len(argv) == 4 else None)
        if fault:
            print(fault)
        return 0
    if len(argv) == 3 and argv[1] == 'classify':
        cause, detail, retry = classify(argv[2])
        print('%s: %s' % (cause, detail))
        return 2 if retry is None else 0 if retry else 1
    sys.stderr.write(__doc__)
    return 64


if __name__ == '__main__':
    sys.exit(main(sys.argv))
