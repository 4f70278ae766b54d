"""Dossiers proposed as an item's own: a person confirms one, or nothing is linked."""

import pytest
from django.urls import reverse

from legislation import services
from legislation.identifiers import IdentifierKind
from legislation.models import Identifier
from publicrecord.candidates import MAX_CANDIDATES, candidates, meaningful_words
from publicrecord.models import Dossier

HTMX = {"HX-Request": "true"}


def dossier(number, title, ministry=None, addition=""):
    url = f"https://www.tweedekamer.nl/kamerstukken/wetsvoorstellen/detail?dossier={number}"
    return Dossier.objects.create(number=number, addition=addition, title=title, ministry=ministry, url=url)


@pytest.fixture
def bill(make_bill):
    return make_bill(short_title="Wet versterking positie slachtoffers",
                     title="Het kabinet komt met een wetsvoorstel ter versterking van de positie van slachtoffers in "
                           "het strafproces.")


@pytest.fixture
def dossiers(db, jenv, vws, make_bill):
    linked_elsewhere = dossier(36604, "Versterking van de positie van slachtoffers (tweede tranche)", jenv)
    services.add_identifier(make_bill(), IdentifierKind.DOSSIER, "36604", by=None)
    return {
        "fits": dossier(36600, "Wijziging van het Wetboek van Strafvordering ter versterking van de positie van "
                               "slachtoffers", jenv),
        "ministry unknown": dossier(36601, "Regels over de positie van slachtoffers bij de afwikkeling van schade door "
                                           "aardbevingen in Groningen"),
        "other ministry": dossier(36602, "Versterking van de positie van slachtoffers in de zorg", vws),
        "other subject": dossier(36603, "Wet op de jeugdzorg", jenv),
        "with toevoeging": dossier(36605, "Versterking positie slachtoffers (rijkswet)", jenv, addition="R2190"),
        "linked elsewhere": linked_elsewhere,
    }


def test_stop_words_and_generic_words_do_not_count():
    assert meaningful_words("Wijziging van de Wet op de jeugdzorg in verband met enkele andere wetten") == {"jeugdzorg"}


def test_fitting_dossiers_of_the_lead_ministry_or_an_unknown_one_best_first(bill, dossiers):
    found = candidates(bill)
    assert [candidate.dossier for candidate in found] == [dossiers["with toevoeging"], dossiers["fits"],
                                                          dossiers["ministry unknown"]][:MAX_CANDIDATES]
    assert found[0].value == "36605-R2190"
    assert found[1].shared == ("positie", "slachtoffers", "versterking")
    assert found[0].score > found[1].score > found[2].score


def test_a_coordinator_confirms_a_candidate(client, bill, dossiers, alice):
    client.force_login(alice)
    page = client.get(reverse("bill-detail", args=[bill.key])).content.decode()
    assert "Mogelijke dossiers" in page and "Dit is het dossier" in page
    confirm = reverse("candidate-confirm", args=[bill.key, dossiers["fits"].pk])
    assert confirm in page
    answer = client.post(confirm, headers=HTMX)
    assert answer.status_code == 200
    section = answer.content.decode()
    assert "Kamerstukdossier 36600 is gekoppeld." in section and "Mogelijke dossiers" not in section
    identifier = Identifier.objects.get(bill=bill)
    assert (identifier.kind, identifier.value, identifier.added_by) == (IdentifierKind.DOSSIER, "36600", alice)
    assert "Alice" in identifier.source and "36600" in identifier.source
    assert dossiers["fits"].title in identifier.source


def test_a_coordinator_of_another_ministry_cannot_confirm(client, bill, dossiers, bob):
    client.force_login(bob)
    assert "Mogelijke dossiers" not in client.get(reverse("bill-detail", args=[bill.key])).content.decode()
    assert client.post(reverse("candidate-confirm", args=[bill.key, dossiers["fits"].pk])).status_code == 403
    assert not bill.identifiers.exists()


def test_only_a_proposed_dossier_is_confirmed(client, bill, dossiers, alice):
    client.force_login(alice)
    answer = client.post(reverse("candidate-confirm", args=[bill.key, dossiers["other ministry"].pk]), headers=HTMX)
    assert answer.status_code == 409 and "wordt niet meer voorgesteld" in answer.content.decode()
    assert not bill.identifiers.exists()


def test_an_item_with_a_dossier_shows_no_candidates(client, bill, dossiers, alice):
    services.add_identifier(bill, IdentifierKind.DOSSIER, "36000", by=alice)
    assert candidates(bill) == []
    client.force_login(alice)
    assert "Mogelijke dossiers" not in client.get(reverse("bill-detail", args=[bill.key])).content.decode()


def test_nothing_is_linked_by_looking(client, bill, dossiers, alice):
    client.force_login(alice)
    client.get(reverse("bill-detail", args=[bill.key]))
    assert not bill.identifiers.exists()
