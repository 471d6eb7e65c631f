# Strict OpenMetrics 1.0 check for test/history/openmetrics.test.ts: parses the file named by
# argv[1] with prometheus_client's OpenMetrics parser (Debian: python3-prometheus-client), which
# refuses a missing `# EOF`, bad escapes, duplicate or interleaved families, a UNIT that is not
# the name's suffix, and more. Prints the families as JSON for the test to read.
import json
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError:
    sys.stderr.write("MISSING_PARSER\n")
    sys.exit(3)

with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
families = []
for family in text_string_to_metric_families(text):
    families.append({
        "name": family.name,
        "type": family.type,
        "unit": family.unit,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    })
json.dump(families, sys.stdout)
