"""Pure builders for alarms, dashboards and agent settings: plain data, no Pulumi."""
