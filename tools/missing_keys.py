# Lists catalogue keys used in code and templates but missing from crates/domain/locales/zh-CN/*.json.
import re, json, glob
keys = set()
for f in glob.glob('crates/web/templates/*.html') + glob.glob('crates/*/src/**/*.rs', recursive=True):
    s = open(f).read()
    for m in re.finditer(r'\bt[f]?\(\s*"([a-z_]+\.[a-z_.0-9]+)"', s):
        keys.add(m.group(1))
    for m in re.finditer(r'"(notice\.[a-z_]+)"', s):
        keys.add(m.group(1))
have = set()
for f in glob.glob('crates/domain/locales/zh-CN/*.json'):
    have |= set(json.load(open(f)).keys())
print("\n".join(sorted(k for k in keys if k not in have)))
