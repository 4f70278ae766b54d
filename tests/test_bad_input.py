"""Bad input never yields a 500 and never changes data; good input does exactly what it says.

Each example starts from the same data (`rolled_back`), so what a case expects follows from its input alone.
"""

import csv
import datetime
import hashlib
import io
import re
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from legislation.board import board_stamp
from legislation.forms import MAX_VERSION
from legislation.models import KEY_PATTERN, Bill, Instrument, Milestone, MilestoneKind, Ministry, Move, Stage
from legislation.resources import RegisterResource
from tests.test_admin import as_staff
from tests.test_import_export import admin_confirm, admin_export, admin_import

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large]  # the long texts are meant
)
HTMX = {"HX-Request": "true"}
NULL_SENTENCE = "null-teken"

odd_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=3000),
    st.sampled_from(["", " ", "\x00", "'; DROP TABLE legislation_bill; --", "<script>alert(1)</script>", "🏛️" * 500, "\u202e"]),
)


def no_digits(text):
    """Text no number or date can be read from (Python reads digits of every script)."""
    return not any(character.isdigit() for character in text)


# A version as posted: None is the one the user saw; an int is read as that number; a text without digits is none.
versions = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.just(MAX_VERSION + 1),
    odd_text.filter(no_digits),
)
INVALID = object()
# A date as typed, with what it means: a day, no date (None), or INVALID.
dates = st.one_of(
    st.just(("", None)),
    st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)).map(lambda day: (day.isoformat(), day)),
    # The Dutch ways of writing a day.
    st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)).map(lambda day: (day.strftime("%d-%m-%Y"), day)),
    st.just(("2027/01/31", datetime.date(2027, 1, 31))),
    st.sampled_from(["2027-02-30", "12/31/2027", "99999-01-01", "0000-00-00", "morgen"]).map(lambda text: (text, INVALID)),
    odd_text.filter(lambda text: no_digits(text) and text.strip()).map(lambda text: (text, INVALID)),
)


def state(leave_out=None):
    """A fingerprint of everything a request could change; `leave_out`: but that bill and what is its."""
    bills, milestones, moves = Bill.objects.all(), Milestone.objects.all(), Move.objects.all()
    if leave_out is not None:
        bills, milestones, moves = bills.exclude(pk=leave_out.pk), milestones.exclude(bill=leave_out), moves.exclude(bill=leave_out)
    rows = [
        *bills.order_by("pk").values_list("pk", "stage", "version", "on_hold", "controversial", "lead_ministry_id", "notes"),
        *milestones.order_by("pk").values_list("pk", "kind", "planned_date", "actual_date", "label"),
        moves.count(),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@contextmanager
def rolled_back():
    """Undo what one example wrote, so that the next starts from the same data."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def has_null(*texts):
    return any(isinstance(text, str) and "\x00" in text for text in texts)


def assert_null_refused(response):
    assert response.status_code == 400
    assert NULL_SENTENCE in response.content.decode()


@pytest.fixture
def client_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bill(make_bill):
    bill = make_bill("wet", stage="raad_van_state")
    Milestone.objects.create(bill=bill, kind="indiening_tk")
    return bill


# Where an act at the Raad van State may go (policy.py), spelled out: the test must not ask the rules it checks.
GOES = {Stage.TWEEDE_KAMER, Stage.EERSTE_KAMER, Stage.GEPUBLICEERD, Stage.IN_WERKING}
GOES_WITH_REASON = {Stage.AANGEKONDIGD, Stage.VOORBEREIDING, Stage.CONSULTATIE, Stage.VERVALLEN}
NEVER_GOES = {Stage.RAAD_VAN_STATE, Stage.INGETROKKEN, Stage.VERWORPEN}


def test_every_stage_has_an_expected_move():
    assert GOES | GOES_WITH_REASON | NEVER_GOES == set(Stage)
    assert not GOES & GOES_WITH_REASON and not NEVER_GOES & (GOES | GOES_WITH_REASON)


def expected_move(stage, version, reason, seen):
    """The answer a move should get: (status, why)."""
    if has_null(stage, version, reason):
        return 400, "null"
    if stage not in Stage.values or len(reason.strip()) > 2000 \
            or not (isinstance(version, int) and 1 <= version <= MAX_VERSION):
        return 400, "invalid form"
    if stage in NEVER_GOES:
        return 422, "refused"
    if stage in GOES_WITH_REASON and not reason.strip():
        return 422, "needs a reason"
    if version != seen:
        return 409, "stale"
    return 200, "moved"


@given(stage=st.one_of(st.sampled_from(Stage.values), odd_text.filter(lambda text: text not in Stage.values)),
       version=versions, reason=odd_text, htmx=st.booleans())
@EXAMPLES
# Each answer at least once, whatever else is drawn.
@example(stage="tweede_kamer", version=None, reason="", htmx=True)  # moved
@example(stage="tweede_kamer", version=None, reason="", htmx=False)
@example(stage="voorbereiding", version=None, reason="Terug", htmx=True)  # moved back, with a reason
@example(stage="voorbereiding", version=None, reason=" ", htmx=True)  # needs a reason
@example(stage="voorbereiding", version=None, reason="", htmx=False)
@example(stage="verworpen", version=None, reason="Verworpen", htmx=True)  # refused
@example(stage="raad_van_state", version=None, reason="", htmx=False)
@example(stage="tweede_kamer", version=2, reason="", htmx=True)  # stale
@example(stage="tweede_kamer", version=2, reason="", htmx=False)
@example(stage="tweede_kamer", version=MAX_VERSION + 1, reason="", htmx=True)  # invalid form
@example(stage="nergens", version=None, reason="", htmx=False)
@example(stage="tweede_kamer", version=None, reason="x" * 2001, htmx=True)
@example(stage="tweede_kamer", version=None, reason="\x00", htmx=True)  # null
def test_moves_with_bad_input(client_alice, bill, stage, version, reason, htmx):
    with rolled_back():
        seen = bill.version
        version = seen if version is None else version
        status, why = expected_move(stage, version, reason, seen)
        others, before = state(leave_out=bill), state()
        client_alice.cookies.pop("messages", None)  # those of earlier examples, never shown
        response = client_alice.post(
            reverse("bill-move", args=[bill.key]),
            {"stage": stage, "version": str(version), "reason": reason},
            headers=HTMX if htmx else {},
        )
        if why == "null":
            assert_null_refused(response)
        elif htmx:
            assert response.status_code == status, why
            html = response.content.decode()
            # The card as it now is, with the verdict next to it.
            moved = Bill.objects.get(pk=bill.pk)
            assert f'data-version="{moved.version}"' in html and f'data-stage="{moved.stage}"' in html
            assert ('role="status"' if status == 200 else 'role="alert"') in html
            assert ('<details class="move" open>' in html) == (why == "needs a reason")
        else:
            assert response.status_code == 302 and response["Location"] == reverse("board"), why
            [message] = get_messages(response.wsgi_request)
            assert message.level_tag == ("success" if status == 200 else "error") and str(message)
        if why == "moved":
            moved = Bill.objects.get(pk=bill.pk)
            assert (moved.stage, moved.version) == (stage, seen + 1)
            assert Move.objects.filter(bill=bill, to_stage=stage).count() == 1
            assert state(leave_out=bill) == others  # and nothing else
        else:
            assert state() == before


@given(key=st.one_of(odd_text, st.from_regex(rf"\A{KEY_PATTERN}\Z")), method=st.sampled_from(["get", "put", "patch", "delete"]))
@EXAMPLES
def test_unknown_items_and_wrong_methods(client_alice, key, method):
    before = state()
    if re.fullmatch(KEY_PATTERN, key):
        response = getattr(client_alice, method)(reverse("bill-move", args=[key]))
        if method != "get":
            assert response.status_code == 405
        else:
            assert response.status_code == (200 if Bill.objects.filter(key=key).exists() else 404)
    else:
        with pytest.raises(NoReverseMatch):
            reverse("bill-move", args=[key])
        # Typed by hand, such an address names no item.
        response = getattr(client_alice, method)(f"/register/{quote(key, safe='')}/move/")
        if has_null(key):
            assert_null_refused(response)
        else:
            assert response.status_code == 404
    assert state() == before


@given(params=st.dictionaries(
    st.sampled_from(["q", "ministry", "chapter", "category", "instrument", "stage", "overdue", "mine", "lanes", "since", "offset"]),
    odd_text,
))
@EXAMPLES
def test_filters_with_bad_input(client_alice, params):
    before = state()
    # A null character no field can hold is refused outright; any other value is reported on the page.
    pages = [client_alice.get(reverse("board"), params, headers=HTMX), client_alice.get(reverse("bill-list"), params)]
    column = client_alice.get(reverse("board-column", args=["aangekondigd"]), params)
    for response in pages:
        if has_null(*params.values()):
            assert_null_refused(response)
        else:
            assert response.status_code == 200
    if has_null(*params.values()):
        assert_null_refused(column)
    else:  # a position in the column that is no small whole number is refused too
        assert column.status_code == (200 if params.get("offset", "") == "" or is_offset(params["offset"]) else 400)
    assert params.get("since") != board_stamp()  # else the board's answer is an empty 204: nothing changed
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
    assert_null_refused(client.get(url))


@given(planned=dates, actual=dates, kind=st.one_of(st.sampled_from(MilestoneKind.values), odd_text), label=odd_text,
       version=st.sampled_from(["seen", "stale"]))
@EXAMPLES
@example(planned=("2027-03-01", datetime.date(2027, 3, 1)), actual=("", None), kind="indiening_tk", label="", version="seen")
@example(planned=("01-03-2027", datetime.date(2027, 3, 1)), actual=("", None), kind="indiening_tk", label="", version="stale")
@example(planned=("", None), actual=("", None), kind="indiening_tk", label="", version="stale")  # no change: nothing stale
@example(planned=("2027-02-30", INVALID), actual=("", None), kind="indiening_tk", label="", version="seen")
@example(planned=("", None), actual=("", None), kind="geen", label="", version="seen")
@example(planned=("2027-03-01", datetime.date(2027, 3, 1)), actual=("2027-01-15", datetime.date(2027, 1, 15)),
         kind="indiening_tk", label="", version="seen")  # planned after met: refused
@example(planned=("", None), actual=("", None), kind="overig", label="x" * 201, version="seen")
@example(planned=("", None), actual=("", None), kind="overig", label="\x00", version="seen")
def test_milestones_with_bad_input(client_alice, bill, planned, actual, kind, label, version):
    with rolled_back():
        milestone = bill.milestones.get()
        seen = bill.version
        before = state()
        prefix = f"m{milestone.pk}"
        (planned, planned_day), (actual, actual_day) = planned, actual
        response = client_alice.post(
            reverse("milestone-edit", args=[milestone.pk]),
            {f"{prefix}-kind": kind, f"{prefix}-label": label, f"{prefix}-precision": "day",
             f"{prefix}-planned_date": planned, f"{prefix}-actual_date": actual,
             "version": seen if version == "seen" else seen + 1},
            headers=HTMX,
        )
        wanted = {"kind": kind, "label": label.strip(), "planned_date": planned_day, "actual_date": actual_day}
        valid = not has_null(planned, actual, kind, label) and kind in MilestoneKind.values and len(label.strip()) <= 200 and INVALID not in (planned_day, actual_day)
        # A day planned after the day it was met is refused too (forms.MilestoneForm).
        valid = valid and not (planned_day and actual_day and planned_day > actual_day)
        changes = valid and wanted != {"kind": milestone.kind, "label": milestone.label, "planned_date": None, "actual_date": None}
        if has_null(planned, actual, kind, label):
            assert_null_refused(response)
        elif not valid:
            assert response.status_code == 400
            # The page shows the errors of the dates; kind and label are hidden fields on it, without their errors.
            if INVALID in (planned_day, actual_day):
                assert 'class="errorlist' in response.content.decode()
        elif changes and version == "stale":
            assert response.status_code == 409
        else:
            assert response.status_code == 200
        if changes and version == "seen":
            milestone.refresh_from_db()
            assert {name: getattr(milestone, name) for name in wanted} == wanted
            assert Bill.objects.get(pk=bill.pk).version == seen + 1
        else:
            assert state() == before
        added = client_alice.post(
            reverse("milestone-add", args=[bill.key]),
            {"new-kind": kind, "new-label": label, "new-planned_date": planned, "new-precision": "jaar", "new-actual_date": actual},
        )
        assert added.status_code == 400  # "jaar" is never a precision code
        if not has_null(planned, actual, kind, label):
            assert 'class="errorlist' in added.content.decode()
        assert Milestone.objects.filter(bill=bill).count() == 1


IMPORT_COLUMNS = ["key", "stage", "lead_ministry", "co_ministries", "instrument", "stage_entered_on", "owner", "short_title"]


def cells(values):
    """Values a cell keeps as they are (the import strips what surrounds them) and that are none of `values`."""
    return odd_text.filter(lambda text: text.strip() and "\r" not in text and text.strip().lower() not in values)


@st.composite
def one_bad_cell(draw):
    """A column, a value it cannot take (no such item, stage, instrument, ministry, date or user), and what names it."""
    ministries = {code.lower() for code in Ministry.objects.values_list("code", flat=True)}
    bad = {
        "key": cells({key.lower() for key in Bill.objects.values_list("key", flat=True)}),
        "stage": cells(Stage.values),
        "instrument": cells(Instrument.values),
        "lead_ministry": cells(ministries),
        "co_ministries": cells(ministries).filter(lambda text: not {*text.lower().replace(",", " ").split()} <= ministries),
        "stage_entered_on": cells(()).filter(no_digits),
        "owner": cells({name.lower() for name in get_user_model().objects.values_list("username", flat=True)}),
    }
    column = draw(st.sampled_from(sorted(bad)))
    value = draw(bad[column])
    named = value.strip()
    if column == "co_ministries":
        named = next(code for code in value.replace(",", " ").split() if code.lower() not in ministries)
    return column, value, named


@given(changes=st.dictionaries(st.sampled_from([column for column in IMPORT_COLUMNS if column != "key"]), odd_text),
       bad=one_bad_cell())
@EXAMPLES
@example(changes={}, bad=("key", "GEEN-01", "GEEN-01"))
@example(changes={}, bad=("stage", "ergens", "ergens"))
@example(changes={}, bad=("instrument", "wetje", "wetje"))
@example(changes={}, bad=("lead_ministry", " XYZ ", "XYZ"))
@example(changes={}, bad=("co_ministries", "JenV,XYZ", "XYZ"))
@example(changes={}, bad=("stage_entered_on", "morgen", "morgen"))
@example(changes={}, bad=("owner", "niemand", "niemand"))
def test_imports_with_bad_input(client, charlie, changes, bad):
    """One cell no item can take makes its row invalid: the preview names it, and nothing is written."""
    as_staff(client, charlie)
    exported = admin_export(client, "bill", RegisterResource, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))[:3]
    column, value, named = bad
    rows[0].update(changes)
    rows[0][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    before = state()
    preview = admin_import(client, "bill", out.getvalue().encode(), "csv")
    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    result = preview.context["result"]
    if has_null(*rows[0].values()):
        assert result.has_errors() and NULL_SENTENCE in preview.content.decode()
    else:
        [invalid] = result.invalid_rows
        assert invalid.number == 1
        assert any(f"“{named}”" in str(message) for message in invalid.error_dict.get(column, ())), invalid.error_dict
    assert state() == before


def is_utf8(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(raw=st.binary(max_size=2000).filter(lambda raw: not is_utf8(raw)))
@EXAMPLES
def test_imports_of_bytes_that_are_no_text(client, charlie, raw):
    """Bytes that are no UTF-8 are no spreadsheet: the import says so and writes nothing."""
    as_staff(client, charlie)
    before = state()
    preview = admin_import(client, "bill", raw, "csv")
    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    assert state() == before


def test_an_import_that_confirms_writes_only_what_its_preview_showed(client, charlie):
    """The other side of the above: a valid change previews, confirms and is written, and only it."""
    as_staff(client, charlie)
    exported = admin_export(client, "bill", RegisterResource, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))[:1]
    rows[0]["short_title"] = "Een andere korte titel"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    changed = Bill.objects.get(key=rows[0]["key"])
    before = state(leave_out=changed)
    preview = admin_import(client, "bill", out.getvalue().encode(), "csv")
    assert preview.context["result"].totals["update"] == 1
    assert admin_confirm(client, "bill", preview).status_code == 302
    assert Bill.objects.get(pk=changed.pk).short_title == "Een andere korte titel"
    assert state(leave_out=changed) == before
