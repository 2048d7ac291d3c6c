"""Pure renderers of a `Report`: text (optionally coloured), JSON and JUnit XML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from checks.report import Report, Status

_COLOURS = {
    Status.PASS: "\033[32m",
    Status.WARN: "\033[33m",
    Status.FAIL: "\033[31m",
    Status.SKIP: "\033[36m",
}
_RESET = "\033[0m"
_BOLD = "\033[1m"
# Details quote DNS data verbatim; a TXT value may carry any byte. XML 1.0 forbids most
# control characters and surrogates, and on a terminal an ESC would be obeyed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_PRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (newlines kept)."""
    return _NOT_PRINTABLE.sub(_escape, text)


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot carry shown as an escape."""
    return _NOT_XML.sub(_escape, text)


def render_text(report: Report, colour: bool = False) -> str:
    """A table per domain: status, check id, detail; then the summary line."""
    lines: list[str] = []
    id_width = max((len(c.id) for d in report.domains for c in d.checks), default=10)
    for domain in report.domains:
        title = f"{_BOLD}{domain.domain}{_RESET}" if colour else domain.domain
        lines.append(title)
        for check in domain.checks:
            label = check.status.value.upper().ljust(4)
            if colour:
                label = f"{_COLOURS[check.status]}{label}{_RESET}"
            detail_lines = printable(check.detail).split("\n")
            lines.append(f"  {label}  {check.id.ljust(id_width)}  {detail_lines[0]}")
            indent = " " * (2 + 4 + 2 + id_width + 2)
            lines.extend(indent + extra for extra in detail_lines[1:])
        lines.append("")
    summary = report.summary()
    parts = [f"{summary[s.value]} {s.value}" for s in Status]
    verdict = "FAILED" if report.has_failure else "OK"
    if colour:
        verdict = f"{_COLOURS[Status.FAIL if report.has_failure else Status.PASS]}{verdict}{_RESET}"
    lines.append(f"{verdict}: {', '.join(parts)}")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def render_junit(report: Report) -> str:
    """JUnit XML: one test suite per domain, one test case per check."""
    summary = report.summary()
    root = ET.Element(
        "testsuites",
        {
            "name": "mailstack verify",
            "tests": str(sum(summary.values())),
            "failures": str(summary[Status.FAIL.value]),
            "errors": "0",
        },
    )
    for index, domain in enumerate(report.domains):
        counts = {s: sum(1 for c in domain.checks if c.status is s) for s in Status}
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": xml_safe(domain.domain),
                "id": str(index),
                "package": "mailstack.verify",
                "tests": str(len(domain.checks)),
                "failures": str(counts[Status.FAIL]),
                "errors": "0",
                "skipped": str(counts[Status.SKIP]),
                "time": "0",
            },
        )
        for check in domain.checks:
            detail = xml_safe(check.detail)
            case = ET.SubElement(
                suite,
                "testcase",
                {"name": xml_safe(check.id), "classname": xml_safe(domain.domain), "time": "0"},
            )
            if check.status is Status.FAIL:
                failure = ET.SubElement(
                    case,
                    "failure",
                    {"message": detail.split("\n", 1)[0], "type": "fail"},
                )
                failure.text = detail
            elif check.status is Status.SKIP:
                ET.SubElement(case, "skipped", {"message": detail})
            elif check.status is Status.WARN:
                out = ET.SubElement(case, "system-out")
                out.text = f"WARNING: {detail}"
            else:
                out = ET.SubElement(case, "system-out")
                out.text = detail
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
