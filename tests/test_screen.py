"""What a coordinator reads on the screen (issue 12): one date format, clear feedback, quiet logs."""

import datetime
import io
import logging

from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from legislation.models import Milestone
from tracker.logs import OneLineForbidden

HTMX = {"HX-Request": "true"}


def add_milestone(client, bill, **fields):
    data = {"new-kind": "overig", "new-label": "Bespreking", "new-precision": "day", "new-planned_date": "",
            "new-actual_date": ""}
    data.update({f"new-{name}": value for name, value in fields.items()})
    return client.post(reverse("milestone-add", args=[bill.key]), data, headers=HTMX)


def test_one_date_format_per_language():
    day = datetime.date(2026, 12, 2)
    moment = datetime.datetime(2026, 12, 2, 14, 5)
    with translation.override("nl"):
        assert (date_format(day), date_format(moment, "DATETIME_FORMAT")) == ("2 december 2026", "2 december 2026 14:05")
    with translation.override("en"):
        assert (date_format(day), date_format(moment, "DATETIME_FORMAT")) == ("2 December 2026", "2 December 2026, 14:05")


def test_a_saved_milestone_is_confirmed_in_place(client, alice, make_bill):
    bill = make_bill()
    client.force_login(alice)
    response = add_milestone(client, bill, planned_date="2027-03-01")
    assert response.status_code == 200
    assert 'role="status"' in response.content.decode() and "Mijlpaal “Bespreking” opgeslagen." in response.content.decode()


def test_a_planned_date_after_the_date_met_is_refused_with_a_sentence(client, alice, make_bill):
    bill = make_bill()
    client.force_login(alice)
    response = add_milestone(client, bill, planned_date="2027-03-01", actual_date="2027-01-15")
    assert response.status_code == 400
    assert ("Behaald op 15 januari 2027, vóór de geplande datum 1 maart 2027: verbeter een van de twee data."
            in response.content.decode())
    assert not Milestone.objects.filter(bill=bill).exists()


def test_a_date_that_contradicts_its_precision_is_refused(client, alice, make_bill):
    bill = make_bill()
    client.force_login(alice)
    response = add_milestone(client, bill, planned_date="2027-03-15", precision="quarter")
    assert response.status_code == 400
    assert "15 maart 2027 is dat niet" in response.content.decode()
    assert not Milestone.objects.filter(bill=bill).exists()
    # A quarter's last day, met within the quarter: both fine.
    assert add_milestone(client, bill, planned_date="2027-03-31", precision="quarter",
                         actual_date="2027-02-10").status_code == 200


def test_an_ordinary_403_is_logged_in_one_line(client, alice, make_bill, vws):
    bill = make_bill(lead_ministry=vws)
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, OneLineForbidden) for f in h.filters))
    stream = io.StringIO()
    former = console.setStream(stream)
    client.force_login(alice)
    try:
        response = client.get(reverse("bill-move", args=[bill.key]))
    finally:
        console.setStream(former)
    assert response.status_code == 403
    assert "Forbidden" in stream.getvalue() and "Traceback" not in stream.getvalue()


def test_pages_have_a_favicon_and_a_dutch_404(client, alice):
    client.force_login(alice)
    response = client.get("/register/GEEN-DOSSIER/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Niet gevonden" in body and 'rel="icon"' in body
