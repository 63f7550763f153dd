#!/usr/bin/env python3
"""Diffs two alloc_census dumps (see alloc_census.cpp): the heap blocks that became live between
them, grouped by allocation site (the first frames outside the census and the C++ runtime), with
bytes per connection.

usage: alloc_census.py BEFORE AFTER CONNECTIONS [TOP]
"""
import collections
import re
import subprocess
import sys


def load(path):
    blocks = collections.Counter()
    usable = {}
    maps = []
    with open(path) as f:
        for line in f:
            if line.startswith('B '):
                parts = line.split()
                size, us = int(parts[1]), int(parts[2])
                stack = tuple(0 if a == '(nil)' else int(a, 16) for a in parts[3:])
                blocks[(size, stack)] += 1
                usable[(size, stack)] = us
            elif line.startswith('M '):
                p = line[2:].split()
                if len(p) >= 6:
                    lo, hi = (int(x, 16) for x in p[0].split('-'))
                    maps.append((lo, hi, int(p[2], 16), p[5]))
    return blocks, usable, maps


def short(name):
    """A C++ name without argument lists and template arguments, for one-line output."""
    out, depth = [], 0
    for ch in name:
        if ch in '<(':
            depth += 1
        elif ch in '>)':
            depth -= 1
        elif depth == 0:
            out.append(ch)
    s = ''.join(out).replace(' [clone .actor]', ' (coroutine body)')
    return re.sub(r'\s+', ' ', s).strip()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    before, _, _ = load(sys.argv[1])
    after, usable, maps = load(sys.argv[2])
    conns = int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 30

    load_base = {}
    for lo, _, off, path in maps:
        if off == 0 and path not in load_base:
            load_base[path] = lo

    def module_of(addr):
        for lo, hi, _, path in maps:
            if lo <= addr < hi:
                return path
        return None

    names = {}

    def symbolize(addrs):
        by_module = collections.defaultdict(list)
        for a in set(addrs):
            if a and a not in names:
                path = module_of(a)
                if path is None:
                    names[a] = ('', '??')
                else:
                    by_module[path].append(a)
        for path, lst in by_module.items():
            base = load_base.get(path, 0)
            res = subprocess.run(['addr2line', '-f', '-C', '-e', path] + ['0x%x' % (a - base - 1) for a in lst],
                                 capture_output=True, text=True).stdout.split('\n')
            for i, a in enumerate(lst):
                fn = res[2 * i] if 2 * i < len(res) else '??'
                names[a] = (path, fn if fn != '??' else '%s+0x%x' % (path.rsplit('/', 1)[-1], a - base))

    groups = []
    for key, n in after.items():
        added = n - before.get(key, 0)
        if added > 0:
            groups.append((added * usable[key], added, key[0], usable[key], key[1]))
    groups.sort(reverse=True)
    total_req = sum(g[1] * g[2] for g in groups)
    total_use = sum(g[0] for g in groups)
    print(f'blocks added: {sum(g[1] for g in groups)}; requested {total_req / conns:.0f} B per connection, '
          f'usable (allocator size classes) {total_use / conns:.0f} B per connection')
    symbolize([a for g in groups[:top] for a in g[4]])
    print(f'{"B/conn":>8} {"blocks":>7} {"size":>6} {"usable":>6}  site (innermost first)')
    for use_total, added, size, us, stack in groups[:top]:
        frames = []
        for a in stack:
            if not a:
                continue
            path, fn = names.get(a, ('', '??'))
            if 'alloc_census' in path or 'libstdc++' in path or fn.startswith('operator new'):
                continue
            frames.append(short(fn))
        print(f'{use_total / conns:8.1f} {added:7d} {size:6d} {us:6d}  ' + ' <- '.join(frames[:3]))


if __name__ == '__main__':
    main()
