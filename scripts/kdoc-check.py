#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every function a module header declares has a kernel-doc comment.

Usage: scripts/kdoc-check.py HEADER...

A header declares what other files call, so each function it declares (or
defines inline) must follow a /** ... */ block that names it. Prints one
line per missing comment and exits 1 if there is any.
"""
import re
import sys

# A declaration or inline definition at the start of a line: "... name(".
FUNC = re.compile(r'^(?:static inline |extern )?[a-z_][\w \*]*?\b(\w+)\(', re.M)
KDOC = re.compile(r'/\*\*\s*\n\s*\*\s*(\w+)\(\)\s+-', re.M)


def missing(path):
    text = open(path, encoding='utf-8').read()
    documented = set(KDOC.findall(text))
    for m in FUNC.finditer(text):
        line = text[m.start():text.find('\n', m.start())]
        if line.startswith(('typedef', 'return', '#')) or m.group(1) in (
                'if', 'while', 'for', 'switch', 'sizeof'):
            continue
        if m.group(1) not in documented:
            yield m.group(1)


def main():
    bad = 0
    for path in sys.argv[1:]:
        for name in missing(path):
            print(f'{path}: {name}() has no kernel-doc comment')
            bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main())
