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
              rounds}]}]: the configurations measured side by side, ratio =
              value / the reference's value in the same group (None where
              there is no reference)
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
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
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


def host_stats(d, prefix=''):
    """The host agent's replies in D/l1.log: {prefix + TAG: {counter:
    value}}; {} when there is no log."""
    host = {}
    try:
        for name, args in marks(d + '/l1.log'):
            tag, _, rest = args.partition(' ')
            if name == 'HOST-STAT-REPLY' and tag:
                host[prefix + tag] = {k: int(v) for k, v in KV.findall(rest)}
    except OSError:
        pass
    return host


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


def bar(config, value, ref, paired=None, rounds=None):
    """One configuration's bar: value and its ratio to the reference's."""
    return {'config': config, 'value': value,
            'ratio': value / ref if value is not None and ref else None,
            'paired': paired, 'rounds': rounds}


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
