"""Bad input never yields a 500 and never changes data."""

import csv
import hashlib
import io

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legislation.models import Bill, Milestone, Move, Stage
from legislation.resources import RegisterResource
from tests.test_admin import as_staff
from tests.test_import_export import admin_confirm, admin_export, admin_import

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
HTMX = {"HX-Request": "true"}

odd_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=3000),
    st.sampled_from(["", " ", "\x00", "'; DROP TABLE legislation_bill; --", "<script>alert(1)</script>", "🏛️" * 500, "\u202e"]),
)
stages = st.one_of(st.sampled_from(Stage.values), odd_text)
versions = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), st.just(str(2**31)), odd_text)
dates = st.one_of(
    st.sampled_from(["2027-02-30", "31-12-2027", "2027/01/01", "99999-01-01", "0000-00-00", "morgen", ""]),
    odd_text,
)


def state():
    """A fingerprint of everything a request could change."""
    rows = [
        *Bill.objects.order_by("pk").values_list("pk", "stage", "version", "on_hold", "controversial", "lead_ministry_id", "notes"),
        *Milestone.objects.order_by("pk").values_list("pk", "kind", "planned_date", "actual_date", "label"),
        Move.objects.count(),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def client_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bill(make_bill):
    bill = make_bill("wet", stage="raad_van_state")
    Milestone.objects.create(bill=bill, kind="indiening_tk")
    return bill


@given(stage=stages, version=versions, reason=odd_text, htmx=st.booleans())
@EXAMPLES
def test_moves_with_bad_input(client_alice, bill, stage, version, reason, htmx):
    before = state()
    response = client_alice.post(
        reverse("bill-move", args=[bill.key]),
        {"stage": stage, "version": version, "reason": reason},
        headers=HTMX if htmx else {},
    )
    if response.status_code == 200 or (not htmx and response.status_code == 302 and state() != before):
        return  # a valid move that happened to be generated: it applies, as it should
    assert response.status_code in (302, 400, 409, 422)
    assert state() == before


@given(key=odd_text, method=st.sampled_from(["get", "put", "patch", "delete"]))
@EXAMPLES
def test_unknown_items_and_wrong_methods(client_alice, key, method):
    before = state()
    try:
        url = reverse("bill-move", args=[key])
    except Exception:
        return  # a key no URL can hold never reaches a view
    response = getattr(client_alice, method)(url)
    assert response.status_code in (404, 405)
    assert state() == before


@given(params=st.dictionaries(
    st.sampled_from(["q", "ministry", "chapter", "category", "instrument", "stage", "overdue", "mine", "lanes", "since", "offset"]),
    odd_text,
))
@EXAMPLES
def test_filters_with_bad_input(client_alice, params):
    before = state()
    # A null character no field can hold is refused outright; any other value is reported on the page.
    answer = 400 if any("\x00" in value for value in params.values()) else 200
    response = client_alice.get(reverse("board"), params, headers=HTMX)
    assert response.status_code in ((400,) if answer == 400 else (200, 204))
    assert client_alice.get(reverse("bill-list"), params).status_code == answer
    offset = params.get("offset", "")
    column_answer = 400 if answer == 400 or not (offset == "" or is_offset(offset)) else 200
    assert client_alice.get(reverse("board-column", args=["aangekondigd"]), params).status_code == column_answer
    assert state() == before


def is_offset(text):
    return text.isascii() and text.isdigit() and len(text) <= 9


@pytest.mark.parametrize("name", ["offset", "lane"])
@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30, str(2**63), "-1", "1.5", " 3"])
def test_a_bad_offset_or_lane_of_a_column_is_a_400(client_alice, name, value):
    response = client_alice.get(reverse("board-column", args=["aangekondigd"]), {"lanes": "ministry", name: value})
    assert response.status_code == 400
    assert "gehele getallen" in response.content.decode()


@pytest.mark.parametrize("url", [
    "/admin/legislation/bill/?stage=%00",  # the admin's list filters are no forms: PostgreSQL would refuse the query
    "/admin/legislation/milestone/?q=x%00",
    "/register/?q=%00",
    "/agenda/%00.ics",
    "/register/H08-A-01%00/",
])
def test_a_null_character_anywhere_is_refused_with_a_sentence(client, charlie, url):
    as_staff(client, charlie)
    response = client.get(url)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "null-teken" in response.content.decode()


@given(planned=dates, actual=dates, kind=st.one_of(st.sampled_from(["indiening_tk", "overig"]), odd_text), label=odd_text)
@EXAMPLES
def test_milestones_with_bad_input(client_alice, bill, planned, actual, kind, label):
    milestone = bill.milestones.get()
    bill.refresh_from_db()  # an earlier example may have applied a valid edit
    before = state()
    prefix = f"m{milestone.pk}"
    response = client_alice.post(
        reverse("milestone-edit", args=[milestone.pk]),
        {f"{prefix}-kind": kind, f"{prefix}-label": label, f"{prefix}-precision": "day",
         f"{prefix}-planned_date": planned, f"{prefix}-actual_date": actual, "version": bill.version},
        headers=HTMX,
    )
    if response.status_code == 200:
        return  # all values happened to be valid
    assert response.status_code == 400
    assert state() == before
    added = client_alice.post(
        reverse("milestone-add", args=[bill.key]),
        {"new-kind": kind, "new-label": label, "new-planned_date": planned, "new-precision": "jaar", "new-actual_date": actual},
    )
    assert added.status_code == 400  # "jaar" is never a precision code
    assert state() == before


IMPORT_COLUMNS = ["key", "stage", "lead_ministry", "co_ministries", "instrument", "stage_entered_on", "owner", "short_title"]


@given(changes=st.dictionaries(st.sampled_from(IMPORT_COLUMNS), st.one_of(odd_text, dates, stages), min_size=1),
       raw=st.one_of(st.none(), st.binary(max_size=2000)))
@EXAMPLES
def test_imports_with_bad_input(client, charlie, changes, raw):
    """An import of odd values, or of bytes that are no spreadsheet at all: reported, never written."""
    as_staff(client, charlie)
    exported = admin_export(client, "bill", RegisterResource, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))[:3]
    rows[0].update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    before = state()
    preview = admin_import(client, "bill", raw if raw is not None else out.getvalue().encode(), "csv")
    assert preview.status_code == 200
    assert state() == before  # the preview is a dry run
    if preview.context and preview.context.get("confirm_form") and not preview.context["result"].has_errors() \
            and not preview.context["result"].has_validation_errors():
        return  # all values happened to be valid
    if preview.context and preview.context.get("confirm_form"):
        assert admin_confirm(client, "bill", preview).status_code in (200, 302, 400)
    assert state() == before
