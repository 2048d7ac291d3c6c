"""Type tokens of the resources the policies look at, exactly as the engine names them."""

from __future__ import annotations

CLOUDFLARE_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
ROUTE53_RECORD = "aws:route53/record:Record"
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
EMAIL_IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
EIP = "aws:ec2/eip:Eip"
EIP_DOMAIN_NAME = "aws:ec2/eipDomainName:EipDomainName"
INSTANCE = "aws:ec2/instance:Instance"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
IAM_ACCESS_KEY = "aws:iam/accessKey:AccessKey"

# Resources whose outputs the providers always store as secrets: a value computed from them
# is a secret, which is how the engine-side check recognises one (the policy SDK hands
# policies decrypted values without saying which were secret).
SECRET_PRODUCERS = frozenset({TLS_PRIVATE_KEY, RANDOM_PASSWORD, IAM_ACCESS_KEY})
