"""Environments for running the CLI as a user without any AWS account would."""

from __future__ import annotations

import os
from pathlib import Path


def without_aws_credentials(scratch: Path) -> dict[str, str]:
    """This process's environment minus every AWS setting, pointing boto3 at no files."""
    return {key: value for key, value in os.environ.items() if not key.startswith("AWS_")} | {
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "none"),
        "AWS_CONFIG_FILE": str(scratch / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
