# SPDX-License-Identifier: GPL-2.0
"""The benchmarks' machine-readable results: what tlb-table, lock-table and
clock-table write with --json FILE, for tests/bench/report (its summary
table and its chart) to read without parsing their Markdown.

One JSON object a part (format 1):
  part        "tlb", "lock" or "clock"
  title       one line on what it measures
  better      "higher" (ops/s, acquisitions/s) or "lower" (ns per read)
  unit        what a bar's value counts
  measured    when the newest of its boots' logs was written (UTC, ISO 8601)
  kernel      the L2 kernel's release, from its @@ L2-UP line
  commit      git rev-parse --short HEAD when the table was made
  boots       [{name, dir, rounds, seconds, cpus}], one a boot
  groups      [{name, reference, bars: [{config, value, ratio, paired,
              rounds, min, max, paired_min, paired_max}]}]: the
              configurations measured side by side, ratio = value / the
              reference's value in the same group (None where there is no
              reference), min/max: the spread of the rounds' values and
              paired ratios (None where a table does not give it)
  targets     [{group, config, what, measured, paired, op, limit, met,
              line, line_label}]: the targets of the table's Targets
              section; measured None and met None when there was no result;
              line: where the target puts config's bar in the chart's units
              (ratio to the reference), None when it has no place there
  notes       lines worth keeping with the numbers (e.g. the machine's load)
"""
import datetime
import json
import os
import re
import subprocess
import sys

FORMAT = 1
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# tests/lib beside tests/bench, in the source tree and as make install-bench
# lays them out (PREFIX/lib/pvops-bench/{bench,lib}).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import testbed  # noqa: E402

# The key=value arguments of a marker line.
KV = re.compile(r'(\w+)=(\S+)')


def marks(path):
    """(name, arguments) of every @@ marker line of the log at PATH, as
    tests/lib/testbed.py specifies and parses them; OSError without it."""
    with open(path, errors='replace') as f:
        for line in f:
            m = testbed.marker(line)
            if m:
                yield m


def where(d, cpus, host='on L1\'s 2'):
    """Where a boot's guest ran, for a table's heading: "L2 CPUS vCPUs
    HOST" for a testbed boot, "CPUS vCPUs" for pvops-bench's, which ran on
    a VM of the user's (its log folder D has the file pvops-bench)."""
    if os.path.exists(os.path.join(d, 'pvops-bench')):
        return '%s vCPUs (pvops-bench)' % cpus
    return 'L2 %s vCPUs %s' % (cpus, host)


# Where a log folder has the host's replies: l1.log, a testbed boot's L1
# console, where the host agent prints them; host.log, pvops-bench -H's.
HOST_LOGS = ('l1.log', 'host.log')


def no_host(host, d, columns):
    """The line a table prints under a boot whose log folder D has no
    host reply (pvops-bench on a user's VM without -H): which of its
    COLUMNS have no result; None when HOST has replies."""
    if host:
        return None
    return ('(no host replies in %s/l1.log or host.log, e.g. pvops-bench -H: '
            'no result for %s)' % (d, columns))


def host_stats(d, prefix=''):
    """The host's replies in D's HOST_LOGS: {prefix + TAG: {counter:
    value}}; {} when there is none."""
    host = {}
    for log in HOST_LOGS:
        try:
            for name, args in marks(os.path.join(d, log)):
                tag, _, rest = args.partition(' ')
                if name == 'HOST-STAT-REPLY' and tag:
                    # Numbers but for a word like exit_trace=ok.
                    host[prefix + tag] = {k: int(v) if v.isdigit() else v
                                          for k, v in KV.findall(rest)}
        except OSError:
            pass
    return host


# VM exit codes of AMD's SVM (the APM's VMEXIT codes), named as the kvm_exit
# event prints them (its "reason" field): the reasons the TLB tables show
# in a column of their own, in that order; every other code counts as
# "other". The host agent names a reason by its code (exit_xCODE, hex).
SVM_EXITS = {0x78: 'hlt', 0x81: 'vmmcall', 0x7c: 'msr', 0x400: 'npf', 0x60: 'interrupt',
             0x7b: 'io', 0x64: 'vintr', 0x77: 'pause', 0x72: 'cpuid'}
# The same reasons on an Intel host (a reply with vendor=vmx: the SDM's
# basic exit reasons), under SVM's names: VMCALL as "vmmcall", RDMSR and
# WRMSR as "msr", EPT violations and misconfigurations (MMIO) as "npf".
VMX_EXITS = {0xc: 'hlt', 0x12: 'vmmcall', 0x1f: 'msr', 0x20: 'msr', 0x30: 'npf', 0x31: 'npf',
             0x1: 'interrupt', 0x1e: 'io', 0x7: 'vintr', 0x28: 'pause', 0xa: 'cpuid'}
# The x2APIC MSRs whose writes the tables single out of "msr": an IPI (ICR),
# an end of interrupt (EOI, when the PV EOI does not spare it), the timer.
X2APIC_WRITES = {0x830: 'ICR', 0x80b: 'EOI', 0x6e0: 'TSC deadline'}


def exit_reasons(reply):
    """L1's VM exits by reason in a host agent's reply to "HOST-STAT TAG
    exits" at a window's end (@reply: its {name: value}, as host_stats
    gives it): {reason: count} with every name of SVM_EXITS, 'other' (the
    other codes) and 'msr ICR' ... (the writes of X2APIC_WRITES); None when
    the reply has no such count (no exit_trace=ok: the count was not
    asked for, or did not start)."""
    if not reply or reply.get('exit_trace') != 'ok':
        return None
    out = by_reason(reply, 'exit_x')
    out.update(('msr ' + n, 0) for n in X2APIC_WRITES.values())
    for k, v in reply.items():
        if k.startswith('msrw_x') and int(k[6:], 16) in X2APIC_WRITES:
            out['msr ' + X2APIC_WRITES[int(k[6:], 16)]] += v
    return out


def by_reason(reply, prefix):
    """The values of @reply's words PREFIX + an exit code in hex, summed by
    the reason's name (SVM_EXITS, or VMX_EXITS for a reply with
    vendor=vmx; every other code "other"), every name there with 0 at
    least."""
    names = VMX_EXITS if reply.get('vendor') == 'vmx' else SVM_EXITS
    out = dict.fromkeys(SVM_EXITS.values(), 0)
    out['other'] = 0
    for k, v in reply.items():
        if k.startswith(prefix):
            out[names.get(int(k[len(prefix):], 16), 'other')] += v
    return out


def exit_times(reply):
    """The nanoseconds L1 spent in its VM exits, by reason, in a host
    agent's reply to "HOST-STAT TAG exits" at a window's end (each exit
    from its kvm_exit to the vCPU's next kvm_entry): {reason: ns} named as
    exit_reasons() names them, without the msr writes; None when the reply
    has no such sum (no exit_time=ok)."""
    if not reply or reply.get('exit_time') != 'ok':
        return None
    return by_reason(reply, 'exitns_x')


def spread(xs, f='%.0f'):
    """min-max of @xs (None dropped) with format @f; '-' when empty."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return '-'
    return (f + '-' + f) % (min(xs), max(xs))


def commit():
    """The source tree's commit, short; None outside a git checkout."""
    try:
        out = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() or None


def boot_facts(dirs):
    """(L2 kernel release, UTC time of the newest l2.log) of the boots' log
    folders (and of a first boot that died, DIR.flake); None for what no
    log tells."""
    kernels, newest = [], None
    for d in dirs:
        for f in (d + '/l2.log', d + '.flake/l2.log'):
            try:
                t = os.path.getmtime(f)
                for name, args in marks(f):
                    if name == 'L2-UP' and args:
                        kernels.append(args.split()[0])
                        break
            except OSError:
                continue
            newest = t if newest is None else max(newest, t)
    when = None
    if newest is not None:
        when = datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)
        when = when.strftime('%Y-%m-%dT%H:%M:%SZ')
    return ', '.join(dict.fromkeys(kernels)) or None, when


def boot(name, d, start):
    """One boot: its name, log folder, and rounds, seconds and vCPUs from
    its @@ BENCH-START line (@start, a dict of its key=value pairs)."""
    def number(k):
        try:
            v = float(start.get(k))
        except (TypeError, ValueError):
            return None
        return int(v) if v == int(v) else v
    return {'name': name, 'dir': d, 'rounds': number('rounds'),
            'seconds': number('seconds'), 'cpus': number('cpus')}


def bar(config, value, ref, paired=None, rounds=None, values=(), paireds=()):
    """One configuration's bar: value and its ratio to the reference's;
    the spread over the rounds of the value and of the paired ratio (min,
    max: None without @values, @paireds, the rounds' own)."""
    values, paireds = list(values), list(paireds)
    return {'config': config, 'value': value,
            'ratio': value / ref if value is not None and ref else None,
            'paired': paired, 'rounds': rounds,
            'min': min(values) if values else None, 'max': max(values) if values else None,
            'paired_min': min(paireds) if paireds else None,
            'paired_max': max(paireds) if paireds else None}


def target(group, config, what, measured, op, limit, paired=None, line=None,
           line_label=None):
    """One target; met is decided here, from measured, op and limit."""
    met = None
    if measured is not None:
        met = {'>=': measured >= limit, '<=': measured <= limit,
               '<': measured < limit, '==': measured == limit}[op]
    return {'group': group, 'config': config, 'what': what, 'measured': measured,
            'paired': paired, 'op': op, 'limit': limit, 'met': met,
            'line': line, 'line_label': line_label}


def take_json(args):
    """Take "--json FILE" off the front of @args: (FILE or None, the rest)."""
    if args[:1] == ['--json'] and len(args) > 1:
        return args[1], args[2:]
    return None, args


def write(path, part, title, better, unit, boots, groups, targets, notes=()):
    kernel, when = boot_facts([b['dir'] for b in boots])
    data = {'format': FORMAT, 'part': part, 'title': title, 'better': better,
            'unit': unit, 'measured': when, 'kernel': kernel, 'commit': commit(),
            'boots': [dict(b, dir=os.path.basename(b['dir'])) for b in boots],
            'groups': groups, 'targets': targets, 'notes': list(notes)}
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1)
        f.write('\n')
    os.replace(tmp, path)
