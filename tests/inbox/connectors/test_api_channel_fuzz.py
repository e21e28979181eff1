"""The API channel's endpoints driven by schemathesis with a valid bearer and key: no
body, id or query it makes up may cause a server error or an answer the schema does not
describe."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from contactcenter.wsgi import application
from crm.models import ChannelType
from tests import factories

SECRET = "inbound-secret-of-the-fuzzed-app-01"

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application).include(
    path_regex="^/api/v1/inbound/"
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """See tests/test_api_schemathesis.py: requests bypass Django's test client."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()  # no throttle left over from an earlier example
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def channel_key(db) -> str:  # type: ignore[no-untyped-def]
    channel = factories.ChannelFactory(type=ChannelType.API, config={"inbound_secret": SECRET})
    return channel.key


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api_channel(case, channel_key):  # type: ignore[no-untyped-def]
    case.path_parameters = {**(case.path_parameters or {}), "key": channel_key}
    case.call_and_validate(
        headers={"Authorization": f"Bearer {SECRET}"},
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.content_type_conformance,
        ],
    )
