#!/usr/bin/python3
# metrics-check.py FILE EXPECT...: parse a Prometheus textfile with
# prometheus_client's own parser and check samples.  Each EXPECT is
#   'name{label="v",...} VALUE'   a sample with exactly these labels
#   'type FAMILY TYPE'            the family's TYPE
#   'absent name{...}'            no such sample
# Prints "PASS what" or "FAIL what: why" per EXPECT; exits 1 on a failure,
# 2 when the file does not parse, 77 without prometheus_client.
import re
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("SKIP python3-prometheus-client is not installed")
    sys.exit(77)

text = open(sys.argv[1]).read()
samples, types = {}, {}
try:
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, frozenset(s.labels.items()))
            if key in samples:
                raise ValueError("duplicate sample %s %s" % (s.name, s.labels))
            samples[key] = s.value
except Exception as e:  # the parser raises ValueError and friends
    print("FAIL the file parses: %s" % e)
    sys.exit(2)
print("PASS the file parses (%d families, %d samples)" % (len(types), len(samples)))


def key_of(spec):
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?', spec)
    if not m:
        raise SystemExit("bad expectation: " + spec)
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    return (m.group(1), frozenset(labels.items()))


failed = 0
for exp in sys.argv[2:]:
    w = exp.split()
    if w[0] == "type":
        got = types.get(w[1])
        ok = got == w[2]
        why = "type %s" % got
    elif w[0] == "absent":
        ok = key_of(w[1]) not in samples
        why = "present: %s" % samples.get(key_of(w[1]))
    else:
        k = key_of(w[0])
        got = samples.get(k)
        ok = got is not None and got == float(w[1])
        why = "got %s" % got
        if got is None:
            why += "; samples of %s: %s" % (k[0], sorted(
                (str(dict(l)), v) for (n, l), v in samples.items() if n == k[0]))
    if ok:
        print("PASS " + exp)
    else:
        failed += 1
        print("FAIL %s: %s" % (exp, why))
sys.exit(1 if failed else 0)
