"""One app and one data set for the whole access module: the table's requests share them
(each refusal is checked to change nothing; the allowed writes only add rows)."""

import pytest

from app import clock, create_app
from tests.access import world as world_module
from tests.conftest import IsolatedClient, empty_database_and_redis, test_config
from tests.sms.receipt_helpers import API_KEY, SECRET


@pytest.fixture(scope="module")
def access_app(_schema):
    """The app with signed webhooks and the sandbox provider, its clock on a workday morning."""
    app = create_app(test_config(VONAGE_SIGNATURE_SECRET=SECRET, VONAGE_API_KEY=API_KEY,
                                 SMS_PROVIDER="sandbox"))
    app.test_client_class = IsolatedClient
    with pytest.MonkeyPatch.context() as mp, app.app_context():
        mp.setattr(clock, "utcnow", lambda: world_module.NOW)
        yield app
        empty_database_and_redis()


@pytest.fixture(scope="module")
def world(access_app):
    return world_module.build(access_app)
