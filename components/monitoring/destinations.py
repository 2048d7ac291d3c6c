"""What each configuration set publishes, and where: plain data for the event destinations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from components.monitoring import metrics as m

N = TypeVar("N")

# Mail sent without a campaign tag still counts, under this value.
UNTAGGED_CAMPAIGN = "untagged"
# SES refuses an eleventh event destination on one configuration set.
MAX_EVENT_DESTINATIONS = 10


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

    @property
    def dimension_names(self) -> frozenset[str]:
        return frozenset(d.name for d in self.dimensions)


@dataclass(frozen=True)
class SnsDestinationSpec:
    key: str
    event_types: tuple[str, ...]


def cloudwatch_destinations(
    configuration_set: N, campaign_tag: str
) -> tuple[CloudWatchDestinationSpec[N], ...]:
    """One destination per dimension set the alarms and the dashboard read.

    SES publishes each event as ONE metric carrying every dimension of its destination, and
    CloudWatch answers only for that exact combination: a destination with both dimensions
    publishes nothing an alarm on `ses:configuration-set` alone can read. So the rate alarms,
    the automatic pause and the per-set graphs read `counts` ({ses:configuration-set}), and the
    per-campaign graphs read `campaigns` ({ses:configuration-set, campaign}), which keeps each
    campaign attributable to its sending domain. The configuration set dimension reads SES's
    automatic tag, present on every message, so its value is always the set's own name.
    """
    by_set = DimensionSpec(m.CONFIGURATION_SET_DIMENSION, "MESSAGE_TAG", configuration_set)
    return (
        CloudWatchDestinationSpec(
            key="cloudwatch", event_types=m.CLOUDWATCH_EVENT_TYPES, dimensions=(by_set,)
        ),
        CloudWatchDestinationSpec(
            key="campaigns",
            event_types=m.CLOUDWATCH_EVENT_TYPES,
            dimensions=(by_set, DimensionSpec[N](campaign_tag, "MESSAGE_TAG", UNTAGGED_CAMPAIGN)),
        ),
    )


def campaign_dimensions(campaign_tag: str) -> tuple[str, ...]:
    """The dimension names of the per-campaign metrics, in the order a SEARCH schema lists them."""
    (campaigns,) = [
        spec for spec in cloudwatch_destinations("", campaign_tag) if spec.key == "campaigns"
    ]
    return tuple(d.name for d in campaigns.dimensions)


def sns_destination() -> SnsDestinationSpec:
    return SnsDestinationSpec(key="feedback", event_types=m.SNS_EVENT_TYPES)
