"""Optional protection: pause a configuration set's sending when its critical alarm fires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.monitoring import policies
from components.monitoring.events import alarm_fired_pattern
from components.monitoring.naming import pause_function_name

HANDLER_FILE = Path(__file__).parent / "lambdas" / "pause_sending.py"
RUNTIME = "python3.12"
LOG_RETENTION_DAYS = 90
# Lambda function, IAM role and EventBridge rule names alike.
MAX_NAME_LENGTH = 64


def alarm_names(alarm_arns: Sequence[str]) -> str:
    """The alarms a function may act on, for its environment: names, sorted, comma-separated."""
    return ",".join(sorted(str(arn).rsplit(":alarm:", 1)[-1] for arn in alarm_arns))


def handler_archive() -> pulumi.AssetArchive:
    """The function's code as one file whose bytes are the source: same input, same archive."""
    return pulumi.AssetArchive(
        {"pause_sending.py": pulumi.StringAsset(HANDLER_FILE.read_text(encoding="utf-8"))}
    )


@dataclass(frozen=True)
class AutoPauseArgs:
    configuration_set_name: pulumi.Input[str]
    alarm_arns: Sequence[pulumi.Input[str]]
    topic_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    # Function, role, rule and log group names start with this; at most 50 characters.
    name_prefix: str


class AutoPause(pulumi.ComponentResource):
    function_name: pulumi.Output[str]
    rule_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: AutoPauseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mailstack:monitoring:AutoPause", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        function_name = pause_function_name(args.name_prefix)
        if len(function_name) > MAX_NAME_LENGTH:
            raise ValueError(
                f"name prefix {args.name_prefix!r} is too long: function, role and rule names "
                f"would exceed AWS's {MAX_NAME_LENGTH} characters"
            )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=LOG_RETENTION_DAYS,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=function_name,
            description="Pauses SES sending on one configuration set when its alarm fires",
            assume_role_policy=policies.lambda_assume_role_policy(),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=role.id,
            name="pause-sending",
            policy=pulumi.Output.all(
                args.topic_arn, args.key_arn, log_group.arn, args.configuration_set_name
            ).apply(
                lambda v: policies.pause_function_policy(str(v[0]), str(v[1]), str(v[2]), str(v[3]))
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            description="Pauses SES sending when a critical reputation alarm fires",
            role=role.arn,
            runtime=RUNTIME,
            handler="pause_sending.handler",
            code=handler_archive(),
            timeout=30,
            memory_size=128,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "TOPIC_ARN": args.topic_arn,
                    "PAUSABLE_CONFIGURATION_SETS": args.configuration_set_name,
                    # A warning alarm or another stack's alarm reaching the function is ignored.
                    "PAUSING_ALARMS": pulumi.Output.all(*args.alarm_arns).apply(alarm_names),
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, log_group]),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            # The function's own name: `-pause-on-alarm` would pass 64 with a 50-character prefix.
            name=function_name,
            description="Critical reputation alarm entered ALARM: pause sending",
            event_pattern=pulumi.Output.all(*args.alarm_arns).apply(
                lambda arns: alarm_fired_pattern([str(a) for a in arns])
            ),
            opts=child,
        )
        permission = aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=function.arn,
            target_id="pause-sending",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )
        self.function_name = function.name
        self.rule_name = rule.name
        self.register_outputs({"function_name": function.name, "rule_name": rule.name})
