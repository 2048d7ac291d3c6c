"""`mailstack plan`: what `pulumi up` would create, computed offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from components.config.model import load_stack_file
from components.config.problems import ConfigError
from components.records.dns_record import DnsRecord
from components.records.errors import RecordError
from components.records.zonefile import render_zone_file
from mailstack.plan import PlanResult, run_plan, zoned_records
from mailstack.plan_render import render_text
from mailstack.policy_check import evaluate_plan, has_mandatory, render_violations
from mailstack.stack_source import add_stack_source, stack_settings_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show what `pulumi up` would create, offline",
        description=(
            "Run the Pulumi program offline with Pulumi's test runtime (no CLI, no cloud "
            "credentials) and print the resources and DNS records `pulumi up` would create. "
            "Values known only after "
            "deployment print as <unknown>, secrets as <secret>."
        ),
    )
    add_stack_source(parser, "plan")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--zone-file",
        metavar="FILE",
        type=Path,
        help="also write the record set as an RFC 1035 zone file (a directory of <zone>.zone files "
        "when the records span several zones or FILE is an existing directory)",
    )
    parser.add_argument(
        "--policy",
        action="store_true",
        help="check the plan against the policy pack's rules (policy/); exit 1 when a mandatory "
        "policy is violated",
    )
    parser.set_defaults(func=run)


def write_zone_files(plan: PlanResult, target: Path) -> list[Path]:
    """Write one zone file (or, for several zones, a directory of `<zone>.zone` files)."""
    grouped: dict[str, list[DnsRecord]] = {}
    for record, zone in zoned_records(plan.outputs):
        if zone is None:
            raise RecordError(f"record {record.name} {record.type} has no zone")
        grouped.setdefault(zone, []).append(record)
    if len(grouped) == 1 and not target.is_dir():
        ((zone, records),) = grouped.items()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_zone_file(records, zone), encoding="utf-8")
        return [target]
    if target.exists() and not target.is_dir():
        raise RecordError(
            f"the records span {len(grouped)} zones ({', '.join(sorted(grouped))}), written as"
            f" one <zone>.zone file each into a directory, but {target} is a file;"
            " name a directory (new or existing)"
        )
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for zone, records in sorted(grouped.items()):
        path = target / f"{zone}.zone"
        path.write_text(render_zone_file(records, zone), encoding="utf-8")
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    path = stack_settings_path(args)
    try:
        print(f"planning {path} offline ...", file=sys.stderr)
        environment = load_stack_file(path).environment
        plan = run_plan(path, args.stack)
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return 1
    except RecordError as error:
        print(f"invalid record: {error}", file=sys.stderr)
        return 1
    print(plan.render_json() if args.json else render_text(plan), end="")
    code = 0
    if args.policy:
        violations = evaluate_plan(plan, environment)
        # Violations go to stderr so `--json` output stays one parseable object.
        print(render_violations(violations) or "policy: no violations\n", file=sys.stderr, end="")
        if has_mandatory(violations):
            code = 1
    if args.zone_file is not None:
        # Written even when a policy fails: like the plan itself, the file shows what would be
        # published, and the exit code already stops the pipeline.
        try:
            written = write_zone_files(plan, args.zone_file)
        except (RecordError, OSError) as error:
            print(f"cannot write zone file: {error}", file=sys.stderr)
            return 1
        for file in written:
            print(f"wrote zone file {file}", file=sys.stderr)
    return code
