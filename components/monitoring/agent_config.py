"""CloudWatch agent settings for a Postfix relay: ship the mail log to one log group."""

from __future__ import annotations

import json

DEFAULT_MAIL_LOG = "/var/log/mail.log"


def cloudwatch_agent_config(log_group_name: str, file_path: str = DEFAULT_MAIL_LOG) -> str:
    """The agent's JSON configuration, ready for cloud-init to write to
    /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json."""
    if not log_group_name or not file_path.startswith("/"):
        raise ValueError("log_group_name must be non-empty and file_path absolute")
    config = {
        "agent": {"metrics_collection_interval": 60},
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {
                            "file_path": file_path,
                            "log_group_name": log_group_name,
                            "log_stream_name": "{instance_id}",
                            "timezone": "UTC",
                        }
                    ]
                }
            },
            # Alarms evaluate every few minutes; a short flush keeps counters current.
            "force_flush_interval": 15,
        },
    }
    return json.dumps(config, indent=2, sort_keys=True)
