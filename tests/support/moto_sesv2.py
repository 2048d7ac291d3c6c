"""SES v2 operations the moto emulator lacks, added to it for tests.

moto 5 answers GetConfigurationSet with its SendingOptions mangled, and has no
PutConfigurationSetSendingOptions, GetAccount or PutAccountSendingAttributes. These follow the
SES v2 API reference and keep their state in moto's own models, so every request still goes
over HTTP through moto's signing, routing and lookups.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from moto.ses.models import ConfigurationSet
from moto.sesv2 import urls as sesv2_urls
from moto.sesv2.responses import SESV2Response

ROUTES = (
    "{0}/v2/email/configuration-sets/(?P<ConfigurationSetName>[^/]+)/sending$",
    "{0}/v2/email/account$",
    "{0}/v2/email/account/sending$",
)


def sending_enabled(config_set: ConfigurationSet) -> bool:
    # moto keeps whatever SendingOptions it was given; absent means AWS's default, enabled.
    flag = config_set.enabled
    return bool(flag.get("SendingEnabled", True)) if isinstance(flag, dict) else bool(flag)


def _to_dict_v2(self: ConfigurationSet) -> dict[str, Any]:
    return {
        "ConfigurationSetName": self.configuration_set_name,
        "TrackingOptions": self.tracking_options,
        "DeliveryOptions": self.delivery_options,
        "ReputationOptions": self.reputation_options,
        "SendingOptions": {"SendingEnabled": sending_enabled(self)},
        "Tags": self.tags,
        "SuppressionOptions": self.suppression_options,
        "VdmOptions": self.vdm_options,
    }


def _put_configuration_set_sending_options(self: SESV2Response) -> str:
    name = self._get_param("ConfigurationSetName")
    config_set = self.sesv2_backend.core_backend.describe_configuration_set(name)
    config_set.enabled = {"SendingEnabled": bool(self._get_param("SendingEnabled"))}
    return json.dumps({})


def _get_account(self: SESV2Response) -> str:
    enabled = getattr(self.sesv2_backend, "account_sending_enabled", True)
    return json.dumps(
        {
            "SendingEnabled": enabled,
            "EnforcementStatus": "HEALTHY" if enabled else "SHUTDOWN",
            "ProductionAccessEnabled": True,
            "DedicatedIpAutoWarmupEnabled": False,
        }
    )


def _put_account_sending_attributes(self: SESV2Response) -> str:
    self.sesv2_backend.account_sending_enabled = bool(self._get_param("SendingEnabled"))
    return json.dumps({})


@contextmanager
def sesv2_gaps_filled() -> Iterator[None]:
    """Within it, a moto server started afterwards answers the operations above."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ConfigurationSet, "to_dict_v2", _to_dict_v2)
        for name, handler in (
            ("put_configuration_set_sending_options", _put_configuration_set_sending_options),
            ("get_account", _get_account),
            ("put_account_sending_attributes", _put_account_sending_attributes),
        ):
            patch.setattr(SESV2Response, name, handler, raising=False)
        for route in ROUTES:
            patch.setitem(sesv2_urls.url_paths, route, SESV2Response.dispatch)
        yield
