"""What each configuration set publishes, and where: plain data for the event destinations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from components.monitoring import metrics as m

N = TypeVar("N")

# Mail sent without a campaign tag still counts, under this value.
UNTAGGED_CAMPAIGN = "untagged"


@dataclass(frozen=True)
class DimensionSpec(Generic[N]):
    name: str
    source: str
    default_value: N | str


@dataclass(frozen=True)
class CloudWatchDestinationSpec(Generic[N]):
    key: str
    event_types: tuple[str, ...]
    dimensions: tuple[DimensionSpec[N], ...]


@dataclass(frozen=True)
class SnsDestinationSpec:
    key: str
    event_types: tuple[str, ...]


def cloudwatch_destination(configuration_set: N, campaign_tag: str) -> CloudWatchDestinationSpec[N]:
    """Counts per configuration set (what the rate alarms divide) and per campaign tag.

    SES publishes one metric per configured dimension, so these are two independent views.
    The configuration set dimension reads SES's automatic tag, present on every message.
    """
    return CloudWatchDestinationSpec(
        key="cloudwatch",
        event_types=m.CLOUDWATCH_EVENT_TYPES,
        dimensions=(
            DimensionSpec(m.CONFIGURATION_SET_DIMENSION, "MESSAGE_TAG", configuration_set),
            DimensionSpec[N](campaign_tag, "MESSAGE_TAG", UNTAGGED_CAMPAIGN),
        ),
    )


def sns_destination() -> SnsDestinationSpec:
    return SnsDestinationSpec(key="feedback", event_types=m.SNS_EVENT_TYPES)


def produced_event_metrics(campaign_tag: str) -> set[tuple[str, str, frozenset[str]]]:
    """(namespace, metric, dimension names) of every metric the CloudWatch destination publishes."""
    produced: set[tuple[str, str, frozenset[str]]] = set()
    for event_type in m.CLOUDWATCH_EVENT_TYPES:
        for dimension in (m.CONFIGURATION_SET_DIMENSION, campaign_tag):
            produced.add((m.SES_NAMESPACE, m.EVENT_METRICS[event_type], frozenset({dimension})))
    return produced
