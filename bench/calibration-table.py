#!/usr/bin/env python3
# Prints the tunables table of docs/calibration.md from the source (run from the repository root).
import re, sys
src = open('crates/core/src/detect/config.rs').read()
val = open('crates/core/src/detect/validate.rs').read()
a = src.index('pub struct DetectorConfig {'); b = src.index('\n}\n', a)
body = src[a:b]
fields = []; doc = []
for line in body.split('\n')[1:]:
    l = line.strip()
    if l.startswith('///'):
        doc.append(l[3:].strip())
    m = re.match(r'pub (\w+): (\w+),', l)
    if m:
        fields.append((m.group(1), m.group(2), ' '.join(doc))); doc = []
# shared docs: a field without doc inherits the previous doc
out = []
last = ''
for f, t, d in fields:
    if d: last = d
    out.append((f, t, d or '(see the line above) ' if not d else d))
da = src.index('impl Default for DetectorConfig'); db = src.index('\n    }\n}', da)
defs = dict(re.findall(r'(\w+): ([^,\n]+),', src[da:db]))
ranges = {}
for m in re.finditer(r'c\.count\(\s*"(\w+)",\s*self\.\w+,\s*(\d+)', val):
    ranges[m.group(1)] = f"whole number ≥ {m.group(2)}"
for m in re.finditer(r"c\.real\(\s*\"(\w+)\",\s*self\.\w+,\s*(\w+)\(([^)]*)\),?\s*\)", val):
    kind, arg = m.group(2), m.group(3)
    ranges[m.group(1)] = {'Above': f"> {arg}", 'AtLeast': f"≥ {arg}", 'Within': f"[{arg.replace(', ', ', ')}]"}[kind]
ranges.setdefault('cusum_cap', '≥ alarm_llr')
print('| tunable | default | meaning and what chose it | valid range |')
print('|---|---|---|---|')
for f, t, d in out:
    d = d.replace('|', '\\|')
    print(f"| `{f}` | {defs.get(f, '?').strip()} | {d} | {ranges.get(f, 'any')} |")
