#!/usr/bin/env python3
"""Sums the counters of every TRX file under a folder and prints 'N passed, N failed, N skipped'.

Every failed test is named first (with the first lines of its message), right above the summary line, so the end of
a CI log says what failed even when the middle of it is cut.

Exits 1 when no TRX file was found or no test was executed, so a run that tested nothing is never green."""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/test-results")
passed = failed = skipped = files = 0
failures = []
for trx in sorted(root.rglob("*.trx")):
    counters = ET.parse(trx).getroot().find(f"{NS}ResultSummary/{NS}Counters")
    if counters is None:
        continue
    files += 1
    c = {k: int(v) for k, v in counters.attrib.items() if v.isdigit()}
    passed += c.get("passed", 0)
    failed += c.get("failed", 0) + c.get("error", 0) + c.get("timeout", 0) + c.get("aborted", 0)
    skipped += c.get("notExecuted", 0) + c.get("inconclusive", 0)
    for result in ET.parse(trx).getroot().iter(f"{NS}UnitTestResult"):
        if result.get("outcome") in ("Passed", "NotExecuted", "Inconclusive"):
            continue
        message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
        text = (message.text or "").strip().splitlines() if message is not None else []
        failures.append((trx.name, result.get("testName"), result.get("outcome"), result.get("duration"), text[:6]))
for name, test, outcome, duration, text in failures:
    print(f"FAILED ({outcome}, {duration}, {name}): {test}")
    for line in text:
        print(f"    {line[:300]}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0 if files > 0 and passed > 0 and failed == 0 else 1)
