"""Names of every metric the monitoring reads, in one place so alarms and dashboard agree."""

from __future__ import annotations

import hashlib

SES_NAMESPACE = "AWS/SES"
CONFIGURATION_SET_DIMENSION = "ses:configuration-set"

REPUTATION_BOUNCE_RATE = "Reputation.BounceRate"
REPUTATION_COMPLAINT_RATE = "Reputation.ComplaintRate"

# SES event type (as an event destination names it) -> the CloudWatch metric it publishes.
EVENT_METRICS: dict[str, str] = {
    "SEND": "Send",
    "DELIVERY": "Delivery",
    "OPEN": "Open",
    "CLICK": "Click",
    "BOUNCE": "Bounce",
    "COMPLAINT": "Complaint",
    "REJECT": "Reject",
    "DELIVERY_DELAY": "DeliveryDelay",
    "RENDERING_FAILURE": "RenderingFailure",
    "SUBSCRIPTION": "Subscription",
}

# What marketers count per campaign; the rate alarms read SEND, BOUNCE and COMPLAINT from here too.
CLOUDWATCH_EVENT_TYPES: tuple[str, ...] = (
    "SEND",
    "DELIVERY",
    "OPEN",
    "CLICK",
    "BOUNCE",
    "COMPLAINT",
)
# The feedback loop a list manager consumes to suppress addresses.
SNS_EVENT_TYPES: tuple[str, ...] = ("BOUNCE", "COMPLAINT", "REJECT", "DELIVERY_DELAY")

RELAY_NAMESPACE_PREFIX = "Mailstack/Relay"
RELAY_DELIVERED = "Delivered"
RELAY_BOUNCED = "Bounced"
RELAY_DEFERRED = "Deferred"
RELAY_METRICS: tuple[str, ...] = (RELAY_DELIVERED, RELAY_BOUNCED, RELAY_DEFERRED)


# CloudWatch's limit on a namespace; a host name may have 253 characters.
MAX_NAMESPACE_LENGTH = 255


def relay_namespace(relay_name: str) -> str:
    """Each relay counts in its own namespace: text log filters cannot attach a dimension.

    A host name too long for the limit keeps its start and gains a hash of the whole name, so
    filters, alarms and dashboard, which all ask here, still agree and stay apart per relay.
    """
    namespace = f"{RELAY_NAMESPACE_PREFIX}/{relay_name}"
    if len(namespace) <= MAX_NAMESPACE_LENGTH:
        return namespace
    digest = hashlib.sha256(relay_name.encode()).hexdigest()[:12]
    return f"{namespace[: MAX_NAMESPACE_LENGTH - len(digest) - 1]}-{digest}"
