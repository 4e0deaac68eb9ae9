"""Compares drf_oracle.py's answers with validation_probe's: python3 compare.py cases.jsonl py.out cpp.out."""
import collections
import json
import sys

cases = [json.loads(line) for line in open(sys.argv[1])]
py = [line.strip() for line in open(sys.argv[2])]
cpp = [json.dumps(json.loads(line), sort_keys=True) for line in open(sys.argv[3])]
assert len(cases) == len(py) == len(cpp), "the two sides answered a different number of cases"
bad, total, shown = collections.Counter(), collections.Counter(), collections.Counter()
for case, want, got in zip(cases, py, cpp):
    total[case["op"]] += 1
    if want != got:
        bad[case["op"]] += 1
        if shown[case["op"]] < 5:
            shown[case["op"]] += 1
            print("CASE", json.dumps(case, ensure_ascii=False)[:300])
            print("  drf:", want[:300])
            print("  cpp:", got[:300])
for op in total:
    print(f"{op}: {bad[op]} of {total[op]} differ")
