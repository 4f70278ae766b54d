"""Schemathesis against the API's own OpenAPI document: generated requests, checked answers.

As a coordinator of JenV, every operation is called with requests drawn from
the document, on real items (a bill JenV leads and one it does not, and their
milestones): no answer is a server error, every answer is one the document
describes, in its shape. As a coordinator of VWS the same requests must never
change a bill VWS neither leads nor shares.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from legislation import services
from legislation.models import Bill, Identifier, Milestone
from tracker.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
WRITES = {"POST", "PATCH", "PUT", "DELETE"}
CALLS = Counter()


# The document is public and built without the database, so it is read once, as the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, headers={"Host": "localhost"})


@pytest.fixture(autouse=True)
def one_connection():
    """Keep the test's database connection across requests, as Django's test client does.

    Schemathesis calls the WSGI application itself, whose request signals would close the
    connection, and with it the test's transaction (on PostgreSQL).
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(autouse=True)
def generous_rate(settings):
    settings.API_RATE_LIMIT = "100000/min"  # the limit itself is tested in test_api.py


@pytest.fixture
def items(alice):
    """A bill of JenV (alice's ministry) with a milestone, and a bill of another ministry."""
    own = Bill.objects.filter(lead_ministry__code="JenV", milestones__isnull=False).exclude(
        co_ministries__code="VWS").order_by("key").first()
    other = Bill.objects.exclude(lead_ministry__code="JenV").exclude(co_ministries__code="JenV").filter(
        milestones__isnull=False).order_by("key").first()
    return [own, other]


def on_real_items(case, bill):
    """Point `case` at `bill` (and a milestone and an identifier of it), sending the bill's current version where
    one is asked."""
    bill.refresh_from_db()
    if "identifier_id" in (case.path_parameters or {}):
        identifier = Identifier.objects.filter(bill=bill).first() or services.add_identifier(
            bill, "dossier", "36999", by=None)
        case.path_parameters["identifier_id"] = identifier.pk
    if "key" in (case.path_parameters or {}):
        case.path_parameters["key"] = bill.key
    if "milestone_id" in (case.path_parameters or {}):
        milestone = Milestone.objects.filter(bill=bill).order_by("id").first()
        case.path_parameters["milestone_id"] = milestone.pk if milestone else 1
    if isinstance(case.body, dict) and "version" in case.body:
        case.body["version"] = bill.version
    if case.query and "version" in case.query:
        case.query["version"] = bill.version


def token_of(user):
    _row, token = ApiToken.objects.issue(user, "schemathesis")
    return {"Authorization": f"Bearer {token}", "Host": "localhost"}


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_coordinator_gets_only_documented_answers(db, case, alice, items):
    # Half the requests on a bill alice may change, half on one she may not.
    bill = items[CALLS[case.operation.label] % 2]
    CALLS[case.operation.label] += 1
    on_real_items(case, bill)
    case.call_and_validate(headers=token_of(alice), checks=CHECKS)


@schema.include(method=sorted(WRITES)).parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_no_write_without_the_rights(db, case, bob, items):
    own, _other = items  # JenV's bill: bob coordinates VWS

    def unchanged():
        return (Bill.objects.get(pk=own.pk).version, list(Milestone.objects.filter(bill=own).values()),
                list(Identifier.objects.filter(bill=own).values()))

    on_real_items(case, own)
    before = unchanged()
    response = case.call_and_validate(headers=token_of(bob), checks=CHECKS)
    if not case.path.endswith("/follow"):  # following changes nothing of the bill: anyone may
        assert not 200 <= response.status_code < 300, response.text
    assert unchanged() == before
