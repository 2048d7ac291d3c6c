"""Time and peak memory of `mailstack plan` for N SES domains, against bare SDK registration.

For each size, a stack settings file with N SES domains (Cloudflare DNS, DMARC, alerts) is
planned as users run it, `mailstack plan --config FILE --json` in a fresh subprocess. Then a
bare Pulumi program, also in a fresh subprocess, registers the very resources that plan
listed (same count, types, names, parents and inputs) under the SDK's own `set_mocks` with
an echoing mock, importing the same provider packages but running none of mailstack's code.
The ratio plan/bare is mailstack's cost above the SDK's floor; seconds per resource across
sizes show whether it scales linearly.

    python3 bench/plan_scale.py [--sizes 10,100,1000] [--runs 1] [--json FILE]

Peak memory is the subprocess's maximum resident set size (wait4 rusage).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def stack_settings(domains: int) -> dict[str, Any]:
    return {"config": {
        "aws:region": "us-east-1",
        "mailstack:environment": "production",
        "mailstack:dns": {"provider": "cloudflare", "zoneName": "example.com",
                          "zoneId": "0123456789abcdef"},
        "mailstack:alerts": {"emails": ["ops@example.com"]},
        "mailstack:domains": [
            {
                "name": f"news{i}.example.com",
                "sender": "ses",
                "mailFrom": f"bounce.news{i}.example.com",
                "dkim": "easy",
                "dmarc": {"policy": "quarantine", "rua": ["dmarc-reports@example.com"]},
            }
            for i in range(domains)
        ],
    }}


def timed(argv: list[str], stdout: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one subprocess."""
    with stdout.open("wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        assert process.stderr is not None
        errors = process.stderr.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {errors.decode()}")
    return seconds, usage.ru_maxrss / 1024


def measure(domains: int, runs: int, work: Path) -> dict[str, Any]:
    settings = work / f"Pulumi.scale{domains}.yaml"
    # JSON is YAML: the stack file needs no YAML writer.
    settings.write_text(json.dumps(stack_settings(domains)))
    plan_out = work / f"plan{domains}.json"
    plan_runs, bare_runs = [], []
    for _ in range(runs):
        plan_runs.append(timed([sys.executable, "-m", "mailstack", "plan", "--config",
                                str(settings), "--json"], plan_out))
        bare_runs.append(timed([sys.executable, str(Path(__file__).resolve()), "--bare",
                                str(plan_out)], work / "bare.out"))
    resources = len(json.loads(plan_out.read_text())["resources"])
    plan_s = statistics.median(s for s, _ in plan_runs)
    bare_s = statistics.median(s for s, _ in bare_runs)
    return {
        "domains": domains,
        "resources": resources,
        "plan_seconds": round(plan_s, 2),
        "plan_peak_mib": round(max(m for _, m in plan_runs), 1),
        "bare_seconds": round(bare_s, 2),
        "bare_peak_mib": round(max(m for _, m in bare_runs), 1),
        "ratio_plan_to_bare": round(plan_s / bare_s, 2),
        "plan_ms_per_resource": round(plan_s / resources * 1000, 2),
    }


def bare_registration(plan_file: Path) -> int:
    """Registers the plan's resources with the SDK alone; returns how many it registered."""
    import pulumi
    import pulumi_aws  # noqa: F401  the provider packages the real program imports
    import pulumi_cloudflare  # noqa: F401
    from pulumi.runtime.sync_await import _sync_await

    resources: list[dict[str, Any]] = json.loads(plan_file.read_text())["resources"]

    class EchoMocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[Any, Any]]:
            return (f"{args.name}-id", dict(args.inputs))

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], None]:
            return ({}, None)

    pulumi.runtime.set_mocks(EchoMocks(), project="mailstack", stack="bare", preview=True)
    by_name: dict[str, dict[str, Any]] = {r["name"]: r for r in resources if _component(r)}
    created: dict[str, pulumi.Resource] = {}

    def create(resource: dict[str, Any]) -> pulumi.Resource:
        key = f"{resource['type']}::{resource['name']}"
        if key in created:
            return created[key]
        parent_name = resource["parent"]
        parent = create(by_name[parent_name]) if parent_name in by_name else None
        opts = pulumi.ResourceOptions(parent=parent)
        made: pulumi.Resource
        if _component(resource):
            made = pulumi.ComponentResource(resource["type"], resource["name"], None, opts)
        else:
            made = pulumi.CustomResource(resource["type"], resource["name"],
                                         dict(resource["inputs"]), opts)
        created[key] = made
        return made

    async def body() -> None:
        for resource in resources:
            create(resource)

    from pulumi.runtime.stack import run_pulumi_func

    _sync_await(run_pulumi_func(body))
    return len(created)


def _component(resource: dict[str, Any]) -> bool:
    return str(resource["type"]).startswith("mailstack:")


def render_text(rows: list[dict[str, Any]]) -> str:
    header = ("domains", "resources", "plan s", "plan MiB", "bare s", "bare MiB", "plan/bare",
              "plan ms/resource")
    keys = ("domains", "resources", "plan_seconds", "plan_peak_mib", "bare_seconds",
            "bare_peak_mib", "ratio_plan_to_bare", "plan_ms_per_resource")
    lines = ["  ".join(f"{h:>9}" for h in header)]
    lines += ["  ".join(f"{row[k]:>9}" for k in keys) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000",
                        help="comma-separated domain counts (default 10,100,1000)")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (median; default 1)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--bare", metavar="PLAN_JSON", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        print(bare_registration(Path(args.bare)))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="mailstack-plan-scale-") as directory:
        for size in sizes:
            print(f"planning {size} domains ...", file=sys.stderr)
            rows.append(measure(size, args.runs, Path(directory)))
    print(render_text(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"sizes": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
