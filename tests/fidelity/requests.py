"""Planned resources as the AWS API requests their provider would send.

Pulumi inputs use the provider's camelCase names; the API uses the service model's names. Each
translator below maps one resource type explicitly, so a renamed or misspelled input shows up
as a parameter the API does not know, a required one missing, or a value out of range.

Stand-ins for what only AWS assigns (documented once, here):
- a name Pulumi would auto-generate (no `name` input): the logical name plus `-1234567`,
  Pulumi's random suffix, which is how the provider would send it;
- the Lambda code archive: the bytes `stand-in`, since the plan shows `<archive>`;
- an EC2 root device name: `/dev/xvda`, which the AMI defines;
- the change action of a DNS record: `UPSERT`, as the provider sends for create and update.
Whole `<unknown>` and `<secret>` values pass through and are not judged; see service_model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mailstack.plan import PlannedResource
from tests.fidelity.service_model import ApiRequest

AUTONAME_SUFFIX = "-1234567"
Translator = Callable[[PlannedResource], list[ApiRequest]]


def _pick(inputs: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Pulumi input name -> API parameter name, for the inputs that are set."""
    return {api: inputs[wire] for wire, api in names.items() if inputs.get(wire) is not None}


def _name(resource: PlannedResource, key: str = "name") -> str:
    return str(resource.inputs.get(key) or f"{resource.name}{AUTONAME_SUFFIX}")


def _tags(tags: Mapping[str, str] | None, key: str = "Key", value: str = "Value") -> list[Any]:
    return [{key: k, value: v} for k, v in sorted((tags or {}).items())]


def _request(service: str, operation: str, resource: PlannedResource, **params: Any) -> ApiRequest:
    return ApiRequest(
        service, operation, {k: v for k, v in params.items() if v not in (None, [])}, resource.name
    )


# --- SES ----------------------------------------------------------------------------------


def _email_identity(r: PlannedResource) -> list[ApiRequest]:
    dkim = _pick(
        r.inputs.get("dkimSigningAttributes") or {},
        {
            "domainSigningSelector": "DomainSigningSelector",
            "domainSigningPrivateKey": "DomainSigningPrivateKey",
            "nextSigningKeyLength": "NextSigningKeyLength",
        },
    )
    params = _pick(
        r.inputs, {"emailIdentity": "EmailIdentity", "configurationSetName": "ConfigurationSetName"}
    )
    return [
        _request(
            "sesv2",
            "CreateEmailIdentity",
            r,
            **params,
            DkimSigningAttributes=dkim or None,
            Tags=_tags(r.inputs.get("tags")),
        )
    ]


def _mail_from(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "emailIdentity": "EmailIdentity",
            "mailFromDomain": "MailFromDomain",
            "behaviorOnMxFailure": "BehaviorOnMxFailure",
        },
    )
    return [_request("sesv2", "PutEmailIdentityMailFromAttributes", r, **params)]


def _configuration_set(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    params: dict[str, Any] = {"ConfigurationSetName": i.get("configurationSetName")}
    sections = {
        "trackingOptions": (
            "TrackingOptions",
            {"customRedirectDomain": "CustomRedirectDomain", "httpsPolicy": "HttpsPolicy"},
        ),
        "deliveryOptions": (
            "DeliveryOptions",
            {
                "tlsPolicy": "TlsPolicy",
                "sendingPoolName": "SendingPoolName",
                "maxDeliverySeconds": "MaxDeliverySeconds",
            },
        ),
        "reputationOptions": (
            "ReputationOptions",
            {"reputationMetricsEnabled": "ReputationMetricsEnabled"},
        ),
        "sendingOptions": ("SendingOptions", {"sendingEnabled": "SendingEnabled"}),
        "suppressionOptions": ("SuppressionOptions", {"suppressedReasons": "SuppressedReasons"}),
    }
    for wire, (api, names) in sections.items():
        if i.get(wire) is not None:
            params[api] = _pick(i[wire], names)
    return [_request("sesv2", "CreateConfigurationSet", r, **params, Tags=_tags(i.get("tags")))]


def _event_destination(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    wire = i.get("eventDestination") or {}
    destination = _pick(wire, {"enabled": "Enabled", "matchingEventTypes": "MatchingEventTypes"})
    if wire.get("snsDestination"):
        destination["SnsDestination"] = _pick(wire["snsDestination"], {"topicArn": "TopicArn"})
    if wire.get("cloudWatchDestination"):
        destination["CloudWatchDestination"] = {
            "DimensionConfigurations": [
                _pick(
                    d,
                    {
                        "dimensionName": "DimensionName",
                        "dimensionValueSource": "DimensionValueSource",
                        "defaultDimensionValue": "DefaultDimensionValue",
                    },
                )
                for d in wire["cloudWatchDestination"].get("dimensionConfigurations", [])
            ]
        }
    if wire.get("eventBridgeDestination"):
        destination["EventBridgeDestination"] = _pick(
            wire["eventBridgeDestination"], {"eventBusArn": "EventBusArn"}
        )
    return [
        _request(
            "sesv2",
            "CreateConfigurationSetEventDestination",
            r,
            ConfigurationSetName=i.get("configurationSetName"),
            EventDestinationName=i.get("eventDestinationName"),
            EventDestination=destination,
        )
    ]


# --- CloudWatch, logs, events --------------------------------------------------------------


def _dimensions(dims: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in sorted((dims or {}).items())]


def _metric_query(q: Mapping[str, Any]) -> dict[str, Any]:
    query = _pick(
        q,
        {
            "id": "Id",
            "expression": "Expression",
            "label": "Label",
            "returnData": "ReturnData",
            "period": "Period",
            "accountId": "AccountId",
        },
    )
    metric = q.get("metric")
    if metric:
        query["MetricStat"] = {
            "Metric": {
                **_pick(metric, {"namespace": "Namespace", "metricName": "MetricName"}),
                **(
                    {"Dimensions": _dimensions(metric["dimensions"])}
                    if metric.get("dimensions")
                    else {}
                ),
            },
            **_pick(metric, {"period": "Period", "stat": "Stat", "unit": "Unit"}),
        }
    return query


def _metric_alarm(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    params = _pick(
        i,
        {
            "name": "AlarmName",
            "alarmDescription": "AlarmDescription",
            "actionsEnabled": "ActionsEnabled",
            "okActions": "OKActions",
            "alarmActions": "AlarmActions",
            "insufficientDataActions": "InsufficientDataActions",
            "metricName": "MetricName",
            "namespace": "Namespace",
            "statistic": "Statistic",
            "extendedStatistic": "ExtendedStatistic",
            "period": "Period",
            "unit": "Unit",
            "evaluationPeriods": "EvaluationPeriods",
            "datapointsToAlarm": "DatapointsToAlarm",
            "threshold": "Threshold",
            "comparisonOperator": "ComparisonOperator",
            "treatMissingData": "TreatMissingData",
            "thresholdMetricId": "ThresholdMetricId",
        },
    )
    if i.get("dimensions"):
        params["Dimensions"] = _dimensions(i["dimensions"])
    if i.get("metricQueries"):
        params["Metrics"] = [_metric_query(q) for q in i["metricQueries"]]
    return [_request("cloudwatch", "PutMetricAlarm", r, **params, Tags=_tags(i.get("tags")))]


def _dashboard(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "cloudwatch",
            "PutDashboard",
            r,
            DashboardName=r.inputs.get("dashboardName"),
            DashboardBody=r.inputs.get("dashboardBody"),
        )
    ]


def _log_group(r: PlannedResource) -> list[ApiRequest]:
    requests = [
        _request(
            "logs", "CreateLogGroup", r, logGroupName=_name(r), kmsKeyId=r.inputs.get("kmsKeyId")
        )
    ]
    if r.inputs.get("retentionInDays") is not None:
        requests.append(
            _request(
                "logs",
                "PutRetentionPolicy",
                r,
                logGroupName=_name(r),
                retentionInDays=r.inputs["retentionInDays"],
            )
        )
    return requests


def _log_metric_filter(r: PlannedResource) -> list[ApiRequest]:
    t = r.inputs.get("metricTransformation") or {}
    transformation = _pick(
        t,
        {
            "name": "metricName",
            "namespace": "metricNamespace",
            "value": "metricValue",
            "defaultValue": "defaultValue",
            "dimensions": "dimensions",
            "unit": "unit",
        },
    )
    return [
        _request(
            "logs",
            "PutMetricFilter",
            r,
            logGroupName=r.inputs.get("logGroupName"),
            filterName=_name(r),
            filterPattern=r.inputs.get("pattern"),
            metricTransformations=[transformation],
        )
    ]


def _event_rule(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "eventPattern": "EventPattern",
            "description": "Description",
            "scheduleExpression": "ScheduleExpression",
            "state": "State",
            "eventBusName": "EventBusName",
            "roleArn": "RoleArn",
        },
    )
    return [
        _request("events", "PutRule", r, Name=_name(r), **params, Tags=_tags(r.inputs.get("tags")))
    ]


def _event_target(r: PlannedResource) -> list[ApiRequest]:
    target = _pick(
        r.inputs, {"targetId": "Id", "arn": "Arn", "roleArn": "RoleArn", "input": "Input"}
    )
    return [_request("events", "PutTargets", r, Rule=r.inputs.get("rule"), Targets=[target])]


# --- SNS, KMS, IAM, Lambda -----------------------------------------------------------------


def _topic(r: PlannedResource) -> list[ApiRequest]:
    attributes = _pick(
        r.inputs,
        {
            "displayName": "DisplayName",
            "kmsMasterKeyId": "KmsMasterKeyId",
            "policy": "Policy",
            "fifoTopic": "FifoTopic",
        },
    )
    return [
        _request(
            "sns",
            "CreateTopic",
            r,
            Name=_name(r),
            Attributes=attributes or None,
            Tags=_tags(r.inputs.get("tags")),
        )
    ]


def _topic_policy(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "sns",
            "SetTopicAttributes",
            r,
            TopicArn=r.inputs.get("arn"),
            AttributeName="Policy",
            AttributeValue=r.inputs.get("policy"),
        )
    ]


def _subscription(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(r.inputs, {"topic": "TopicArn", "protocol": "Protocol", "endpoint": "Endpoint"})
    return [_request("sns", "Subscribe", r, **params)]


def _kms_key(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "description": "Description",
            "keyUsage": "KeyUsage",
            "customerMasterKeySpec": "KeySpec",
            "policy": "Policy",
        },
    )
    requests = [_request("kms", "CreateKey", r, **params)]
    if r.inputs.get("enableKeyRotation"):
        requests.append(_request("kms", "EnableKeyRotation", r, KeyId="<unknown>"))
    if r.inputs.get("deletionWindowInDays") is not None:
        # Sent only on destroy, with the key's id; the window is the part a plan decides.
        requests.append(
            _request(
                "kms",
                "ScheduleKeyDeletion",
                r,
                KeyId="<unknown>",
                PendingWindowInDays=r.inputs["deletionWindowInDays"],
            )
        )
    return requests


def _kms_alias(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "kms",
            "CreateAlias",
            r,
            AliasName=r.inputs.get("name"),
            TargetKeyId=r.inputs.get("targetKeyId"),
        )
    ]


def _kms_key_policy(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "kms", "PutKeyPolicy", r, KeyId=r.inputs.get("keyId"), Policy=r.inputs.get("policy")
        )
    ]


def _role(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "assumeRolePolicy": "AssumeRolePolicyDocument",
            "description": "Description",
            "path": "Path",
            "maxSessionDuration": "MaxSessionDuration",
        },
    )
    return [
        _request(
            "iam", "CreateRole", r, RoleName=_name(r), **params, Tags=_tags(r.inputs.get("tags"))
        )
    ]


def _role_policy(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "iam",
            "PutRolePolicy",
            r,
            RoleName=r.inputs.get("role"),
            PolicyName=_name(r),
            PolicyDocument=r.inputs.get("policy"),
        )
    ]


def _role_policy_attachment(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "iam",
            "AttachRolePolicy",
            r,
            RoleName=r.inputs.get("role"),
            PolicyArn=r.inputs.get("policyArn"),
        )
    ]


def _instance_profile(r: PlannedResource) -> list[ApiRequest]:
    name = _name(r)
    return [
        _request(
            "iam", "CreateInstanceProfile", r, InstanceProfileName=name, Path=r.inputs.get("path")
        ),
        _request(
            "iam",
            "AddRoleToInstanceProfile",
            r,
            InstanceProfileName=name,
            RoleName=r.inputs.get("role"),
        ),
    ]


def _user(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "iam",
            "CreateUser",
            r,
            UserName=_name(r),
            Path=r.inputs.get("path"),
            Tags=_tags(r.inputs.get("tags")),
        )
    ]


def _user_policy(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "iam",
            "PutUserPolicy",
            r,
            UserName=r.inputs.get("user"),
            PolicyName=_name(r),
            PolicyDocument=r.inputs.get("policy"),
        )
    ]


def _access_key(r: PlannedResource) -> list[ApiRequest]:
    return [_request("iam", "CreateAccessKey", r, UserName=r.inputs.get("user"))]


def _function(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "role": "Role",
            "runtime": "Runtime",
            "handler": "Handler",
            "description": "Description",
            "timeout": "Timeout",
            "memorySize": "MemorySize",
            "kmsKeyArn": "KMSKeyArn",
            "architectures": "Architectures",
            "packageType": "PackageType",
        },
    )
    environment = r.inputs.get("environment") or {}
    return [
        _request(
            "lambda",
            "CreateFunction",
            r,
            FunctionName=_name(r),
            **params,
            Code={"ZipFile": b"stand-in"},
            Environment={"Variables": environment["variables"]}
            if environment.get("variables")
            else None,
            Tags=r.inputs.get("tags"),
        )
    ]


def _permission(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "function": "FunctionName",
            "action": "Action",
            "principal": "Principal",
            "sourceArn": "SourceArn",
            "sourceAccount": "SourceAccount",
        },
    )
    return [
        _request(
            "lambda",
            "AddPermission",
            r,
            StatementId=str(r.inputs.get("statementId") or f"{r.name}{AUTONAME_SUFFIX}"),
            **params,
        )
    ]


# --- EC2 ----------------------------------------------------------------------------------


def _instance(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    params: dict[str, Any] = {
        "MinCount": 1,
        "MaxCount": 1,
        **_pick(
            i,
            {
                "ami": "ImageId",
                "instanceType": "InstanceType",
                "userDataBase64": "UserData",
                "vpcSecurityGroupIds": "SecurityGroupIds",
                "subnetId": "SubnetId",
                "keyName": "KeyName",
            },
        ),
    }
    if i.get("iamInstanceProfile"):
        params["IamInstanceProfile"] = {"Name": i["iamInstanceProfile"]}
    if i.get("metadataOptions"):
        params["MetadataOptions"] = _pick(
            i["metadataOptions"],
            {
                "httpEndpoint": "HttpEndpoint",
                "httpTokens": "HttpTokens",
                "httpPutResponseHopLimit": "HttpPutResponseHopLimit",
                "instanceMetadataTags": "InstanceMetadataTags",
            },
        )
    if i.get("rootBlockDevice"):
        params["BlockDeviceMappings"] = [
            {
                "DeviceName": "/dev/xvda",
                "Ebs": _pick(
                    i["rootBlockDevice"],
                    {
                        "encrypted": "Encrypted",
                        "volumeSize": "VolumeSize",
                        "volumeType": "VolumeType",
                        "iops": "Iops",
                        "throughput": "Throughput",
                        "kmsKeyId": "KmsKeyId",
                        "deleteOnTermination": "DeleteOnTermination",
                    },
                ),
            }
        ]
    if i.get("tags"):
        params["TagSpecifications"] = [{"ResourceType": "instance", "Tags": _tags(i["tags"])}]
    return [_request("ec2", "RunInstances", r, **params)]


def _security_group(r: PlannedResource) -> list[ApiRequest]:
    tags = r.inputs.get("tags")
    return [
        _request(
            "ec2",
            "CreateSecurityGroup",
            r,
            GroupName=_name(r),
            Description=r.inputs.get("description"),
            VpcId=r.inputs.get("vpcId"),
            TagSpecifications=[{"ResourceType": "security-group", "Tags": _tags(tags)}]
            if tags
            else None,
        )
    ]


def _ip_permission(i: Mapping[str, Any]) -> dict[str, Any]:
    permission = _pick(i, {"ipProtocol": "IpProtocol", "fromPort": "FromPort", "toPort": "ToPort"})
    description = i.get("description")
    if i.get("cidrIpv4"):
        permission["IpRanges"] = [{"CidrIp": i["cidrIpv4"], "Description": description}]
    if i.get("cidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": i["cidrIpv6"], "Description": description}]
    return permission


def _ingress(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            r,
            GroupId=r.inputs.get("securityGroupId"),
            IpPermissions=[_ip_permission(r.inputs)],
        )
    ]


def _egress(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "ec2",
            "AuthorizeSecurityGroupEgress",
            r,
            GroupId=r.inputs.get("securityGroupId"),
            IpPermissions=[_ip_permission(r.inputs)],
        )
    ]


def _eip(r: PlannedResource) -> list[ApiRequest]:
    tags = r.inputs.get("tags")
    return [
        _request(
            "ec2",
            "AllocateAddress",
            r,
            Domain=r.inputs.get("domain"),
            TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": _tags(tags)}]
            if tags
            else None,
        )
    ]


def _eip_association(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "ec2",
            "AssociateAddress",
            r,
            AllocationId=r.inputs.get("allocationId"),
            InstanceId=r.inputs.get("instanceId"),
        )
    ]


def _eip_domain_name(r: PlannedResource) -> list[ApiRequest]:
    return [
        _request(
            "ec2",
            "ModifyAddressAttribute",
            r,
            AllocationId=r.inputs.get("allocationId"),
            DomainName=r.inputs.get("domainName"),
        )
    ]


# --- Route53 ------------------------------------------------------------------------------


def route53_api_value(record_type: str, value: str) -> str:
    """The provider quotes a TXT value it is given unquoted (`a""b` is sent as `"a""b"`)."""
    if record_type in ("TXT", "SPF") and not (value.startswith('"') and value.endswith('"')):
        return f'"{value}"'
    return value


def _route53_record(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    record_set: dict[str, Any] = _pick(i, {"name": "Name", "type": "Type", "ttl": "TTL"})
    record_set["ResourceRecords"] = [
        {"Value": route53_api_value(str(i.get("type")), str(v))} for v in i.get("records", [])
    ]
    change = {"Action": "UPSERT", "ResourceRecordSet": record_set}
    return [
        _request(
            "route53",
            "ChangeResourceRecordSets",
            r,
            HostedZoneId=i.get("zoneId"),
            ChangeBatch={"Changes": [change]},
        )
    ]


# --- ACM and CloudFront (HTTPS tracking domain) -------------------------------------------


def _certificate(r: PlannedResource) -> list[ApiRequest]:
    params = _pick(
        r.inputs,
        {
            "domainName": "DomainName",
            "validationMethod": "ValidationMethod",
            "keyAlgorithm": "KeyAlgorithm",
            "subjectAlternativeNames": "SubjectAlternativeNames",
        },
    )
    return [_request("acm", "RequestCertificate", r, **params, Tags=_tags(r.inputs.get("tags")))]


def _items(values: list[Any] | None) -> dict[str, Any] | None:
    """CloudFront's list form: a count beside the items."""
    if values is None:
        return None
    return {"Quantity": len(values), "Items": list(values)}


def _origin_request_policy(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    headers = i.get("headersConfig") or {}
    cookies = i.get("cookiesConfig") or {}
    strings = i.get("queryStringsConfig") or {}
    config: dict[str, Any] = {
        "Comment": i.get("comment"),
        "Name": _name(r),
        "HeadersConfig": {
            "HeaderBehavior": headers.get("headerBehavior"),
            **(
                {"Headers": _items((headers.get("headers") or {}).get("items"))}
                if headers.get("headers")
                else {}
            ),
        },
        "CookiesConfig": {"CookieBehavior": cookies.get("cookieBehavior")},
        "QueryStringsConfig": {"QueryStringBehavior": strings.get("queryStringBehavior")},
    }
    return [
        _request(
            "cloudfront",
            "CreateOriginRequestPolicy",
            r,
            OriginRequestPolicyConfig={k: v for k, v in config.items() if v is not None},
        )
    ]


def _origin(origin: Mapping[str, Any]) -> dict[str, Any]:
    custom = origin.get("customOriginConfig") or {}
    item: dict[str, Any] = {"Id": origin.get("originId"), "DomainName": origin.get("domainName")}
    if custom:
        item["CustomOriginConfig"] = {
            "HTTPPort": custom.get("httpPort"),
            "HTTPSPort": custom.get("httpsPort"),
            "OriginProtocolPolicy": custom.get("originProtocolPolicy"),
            "OriginSslProtocols": _items(custom.get("originSslProtocols")),
        }
    return item


def _distribution(r: PlannedResource) -> list[ApiRequest]:
    i = r.inputs
    behavior = i.get("defaultCacheBehavior") or {}
    certificate = i.get("viewerCertificate") or {}
    geo = (i.get("restrictions") or {}).get("geoRestriction") or {}
    allowed = _items(behavior.get("allowedMethods"))
    if allowed is not None and behavior.get("cachedMethods") is not None:
        allowed["CachedMethods"] = _items(behavior.get("cachedMethods"))
    cache_behavior = {
        "TargetOriginId": behavior.get("targetOriginId"),
        "ViewerProtocolPolicy": behavior.get("viewerProtocolPolicy"),
        "AllowedMethods": allowed,
        "Compress": behavior.get("compress"),
        "CachePolicyId": behavior.get("cachePolicyId"),
        "OriginRequestPolicyId": behavior.get("originRequestPolicyId"),
    }
    config: dict[str, Any] = {
        # The provider sends a generated caller reference; any unique text stands in for it.
        "CallerReference": f"{r.name}{AUTONAME_SUFFIX}",
        "Aliases": _items(i.get("aliases")),
        "Origins": _items([_origin(o) for o in i.get("origins") or []]),
        "DefaultCacheBehavior": {k: v for k, v in cache_behavior.items() if v is not None},
        "Comment": i.get("comment", ""),
        "PriceClass": i.get("priceClass"),
        "Enabled": i.get("enabled"),
        "ViewerCertificate": {
            k: v
            for k, v in {
                "ACMCertificateArn": certificate.get("acmCertificateArn"),
                "SSLSupportMethod": certificate.get("sslSupportMethod"),
                "MinimumProtocolVersion": certificate.get("minimumProtocolVersion"),
                "CloudFrontDefaultCertificate": certificate.get("cloudfrontDefaultCertificate"),
            }.items()
            if v is not None
        },
        "Restrictions": {
            "GeoRestriction": {
                "RestrictionType": geo.get("restrictionType"),
                "Quantity": len(geo.get("locations") or []),
                **({"Items": geo["locations"]} if geo.get("locations") else {}),
            }
        },
        "HttpVersion": i.get("httpVersion"),
        "IsIPV6Enabled": i.get("isIpv6Enabled"),
    }
    return [
        _request(
            "cloudfront",
            "CreateDistribution",
            r,
            DistributionConfig={k: v for k, v in config.items() if v is not None},
        )
    ]


TRANSLATORS: dict[str, Translator] = {
    "aws:sesv2/emailIdentity:EmailIdentity": _email_identity,
    "aws:sesv2/emailIdentityMailFromAttributes:EmailIdentityMailFromAttributes": _mail_from,
    "aws:sesv2/configurationSet:ConfigurationSet": _configuration_set,
    "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination": (
        _event_destination
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _log_metric_filter,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:kms/keyPolicy:KeyPolicy": _kms_key_policy,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
    "aws:iam/instanceProfile:InstanceProfile": _instance_profile,
    "aws:iam/user:User": _user,
    "aws:iam/userPolicy:UserPolicy": _user_policy,
    "aws:iam/accessKey:AccessKey": _access_key,
    "aws:lambda/function:Function": _function,
    "aws:lambda/permission:Permission": _permission,
    "aws:ec2/instance:Instance": _instance,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _ingress,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _egress,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/eipAssociation:EipAssociation": _eip_association,
    "aws:ec2/eipDomainName:EipDomainName": _eip_domain_name,
    "aws:route53/record:Record": _route53_record,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _origin_request_policy,
    "aws:cloudfront/distribution:Distribution": _distribution,
}

# Planned types that send no AWS request of their own, or that other rules judge.
NOT_AWS_REQUESTS: dict[str, str] = {
    "tls:index/privateKey:PrivateKey": "generated locally by the TLS provider",
    "random:index/randomPassword:RandomPassword": "generated locally by the random provider",
    "cloudflare:index/dnsRecord:DnsRecord": "Cloudflare API: judged by the DNS rules",
    "aws:acm/certificateValidation:CertificateValidation": (
        "a waiter: the provider only polls DescribeCertificate until ACM issues the certificate"
    ),
}


def requests_for(resource: PlannedResource) -> list[ApiRequest]:
    translator = TRANSLATORS.get(resource.type)
    return translator(resource) if translator else []


def untranslated_types(resources: list[PlannedResource]) -> set[str]:
    """Provider resource types with no translation: a new one must be added above."""
    return {
        r.type
        for r in resources
        if not r.type.startswith("mailstack:")
        and r.type not in TRANSLATORS
        and r.type not in NOT_AWS_REQUESTS
    }
