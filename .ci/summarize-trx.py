#!/usr/bin/env python3
"""Sums the counters of every TRX file under a folder and prints 'N passed, N failed, N skipped'.

Exits 1 when no TRX file was found or no test was executed, so a run that tested nothing is never green."""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/test-results")
passed = failed = skipped = files = 0
for trx in sorted(root.rglob("*.trx")):
    counters = ET.parse(trx).getroot().find(f"{NS}ResultSummary/{NS}Counters")
    if counters is None:
        continue
    files += 1
    c = {k: int(v) for k, v in counters.attrib.items() if v.isdigit()}
    passed += c.get("passed", 0)
    failed += c.get("failed", 0) + c.get("error", 0) + c.get("timeout", 0) + c.get("aborted", 0)
    skipped += c.get("notExecuted", 0) + c.get("inconclusive", 0)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0 if files > 0 and passed > 0 and failed == 0 else 1)
