"""An item's public identifiers: linked and removed only through the services, shown with their public pages."""

import importlib
import shutil

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from legislation import services
from legislation.identifiers import IdentifierKind
from legislation.loader import DATA_DIR, RegisterDataError, load_register, read_yaml
from legislation.models import Bill, Identifier
from legislation.policy import NotAllowed
from legislation.signals import identifier_changed

HTMX = {"HX-Request": "true"}
DOSSIER = IdentifierKind.DOSSIER


@pytest.fixture
def bill(make_bill):
    return make_bill(short_title="Wet versterking slachtofferrechten")


@pytest.fixture
def heard():
    """What `identifier_changed` announced."""
    announced = []

    def receive(sender, identifier, action, **kwargs):
        announced.append((action, identifier.kind, identifier.value))

    identifier_changed.connect(receive)
    yield announced
    identifier_changed.disconnect(receive)


class TestServices:
    def test_a_coordinator_links_an_identifier_in_its_one_written_form(self, bill, alice, heard):
        before = Bill.objects.get(pk=bill.pk).updated_at
        identifier = services.add_identifier(bill, DOSSIER, " 36 546 ", by=alice, source="Brief van 3 december")
        stored = Identifier.objects.get(bill=bill)
        assert (stored.kind, stored.value, stored.added_by, stored.source) == (DOSSIER, "36546", alice,
                                                                             "Brief van 3 december")
        assert identifier.url == "https://zoek.officielebekendmakingen.nl/dossier/36546"
        assert Bill.objects.get(pk=bill.pk).updated_at > before  # the boards that poll redraw it
        assert heard == [("added", DOSSIER, "36546")]

    @pytest.mark.parametrize("kind, text, value", [
        (IdentifierKind.DOSSIER, "36123-R2190", "36123-R2190"),
        (IdentifierKind.WETGEVINGSKALENDER, "wgk12345", "WGK012345"),
        (IdentifierKind.CONSULTATIE, "https://www.internetconsultatie.nl/wetjeugdbescherming/", "wetjeugdbescherming"),
        (IdentifierKind.PUBLICATIE, "https://zoek.officielebekendmakingen.nl/stb-2025-123.html", "stb-2025-123"),
    ])
    def test_every_kind_is_read_as_people_write_it(self, bill, alice, kind, text, value):
        assert services.add_identifier(bill, kind, text, by=alice).value == value

    def test_a_duplicate_is_refused_with_a_sentence(self, bill, alice, heard):
        services.add_identifier(bill, DOSSIER, "36546", by=alice)
        with translation.override("nl"), pytest.raises(ValidationError) as refusal:
            services.add_identifier(bill, DOSSIER, "36 546", by=alice)
        assert refusal.value.messages == ["Dit item heeft Kamerstukdossier 36546 al."]
        assert bill.identifiers.count() == 1 and len(heard) == 1

    @pytest.mark.parametrize("kind, text", [(DOSSIER, "Kamerstuk 36546"), (DOSSIER, ""),
                                            (IdentifierKind.PUBLICATIE, "stb 2025"), ("bsn", "36546")])
    def test_bad_input_is_refused_in_dutch_and_changes_nothing(self, bill, alice, kind, text):
        version = bill.version
        with translation.override("nl"), pytest.raises(ValidationError) as refusal:
            services.add_identifier(bill, kind, text, by=alice)
        assert "niet te lezen als" in refusal.value.messages[0] or "geen soort" in refusal.value.messages[0]
        assert not bill.identifiers.exists() and Bill.objects.get(pk=bill.pk).version == version

    def test_only_those_who_may_change_the_item_link_and_remove(self, bill, alice, bob, dave):
        for user in (bob, dave):
            with pytest.raises(NotAllowed):
                services.add_identifier(bill, DOSSIER, "36546", by=user)
        identifier = services.add_identifier(bill, DOSSIER, "36546", by=alice)
        with pytest.raises(NotAllowed):
            services.remove_identifier(identifier, by=bob)
        assert bill.identifiers.count() == 1

    def test_removing_unlinks_and_is_announced(self, bill, alice, heard):
        identifier = services.add_identifier(bill, DOSSIER, "36546", by=alice)
        services.remove_identifier(identifier, by=alice)
        assert not bill.identifiers.exists()
        assert heard == [("added", DOSSIER, "36546"), ("removed", DOSSIER, "36546")]


class TestSeeds:
    def test_the_seeds_link_only_an_items_own_dossier_citing_the_passage(self, db):
        (identifier,) = Identifier.objects.select_related("bill")
        assert (identifier.bill.key, identifier.kind, identifier.value, identifier.added_by) == (
            "H06a-A-07", DOSSIER, "36546", None)
        assert "Bijlage 2" in identifier.source and "regel 9813" in identifier.source
        assert "(Kamerstukken 36546)" in identifier.source

    def test_a_reload_changes_nothing_and_leaves_a_removed_dossier_removed(self, db, charlie):
        assert load_register().identifiers == 0
        identifier = Identifier.objects.get(bill__key="H06a-A-07")
        services.remove_identifier(identifier, by=charlie)
        assert load_register().identifiers == 0
        assert not Identifier.objects.filter(bill__key="H06a-A-07").exists()


    def test_a_progress_report_naming_the_items_dossier_links_it_citing_its_quote(self, db, tmp_path):
        shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
        progress = read_yaml("progress.yaml")
        entry = next(entry for entry in progress if entry.get("moves"))
        quote = entry["moves"][0]["quote"]
        entry["moves"][0]["quote"] = f"{quote} (Kamerstukken 36 987)"
        entry["kamerstuk"] = "36987"
        (tmp_path / "progress.yaml").write_text(yaml.safe_dump(progress, allow_unicode=True, sort_keys=False))
        assert load_register(tmp_path).identifiers == 1
        identifier = Identifier.objects.get(bill__key=entry["key"])
        assert identifier.value == "36987" and "(Kamerstukken 36 987)" in identifier.source
        entry["moves"][0]["quote"] = quote  # a number no quote of the entry names is an error of the data file
        (tmp_path / "progress.yaml").write_text(yaml.safe_dump(progress, allow_unicode=True, sort_keys=False))
        with pytest.raises(RegisterDataError):
            load_register(tmp_path)


class TestDetailPage:
    def test_identifiers_link_to_their_public_pages_for_everyone(self, client, bill, alice, dave):
        services.add_identifier(bill, DOSSIER, "36546", by=alice)
        services.add_identifier(bill, IdentifierKind.PUBLICATIE, "stb-2025-123", by=alice)
        client.force_login(dave)
        page = client.get(reverse("bill-detail", args=[bill.key])).content.decode()
        assert 'href="https://zoek.officielebekendmakingen.nl/dossier/36546"' in page
        assert 'href="https://zoek.officielebekendmakingen.nl/stb-2025-123.html"' in page
        assert reverse("identifier-add", args=[bill.key]) not in page  # dave may not change it

    def test_a_coordinator_links_one_without_javascript(self, client, bill, alice):
        client.force_login(alice)
        page = client.get(reverse("bill-detail", args=[bill.key])).content.decode()
        assert reverse("identifier-add", args=[bill.key]) in page
        answer = client.post(reverse("identifier-add", args=[bill.key]), {"kind": "dossier", "value": "36 546"})
        assert answer.status_code == 302
        (identifier,) = bill.identifiers.all()
        assert (identifier.value, identifier.added_by) == ("36546", alice)
        assert "Alice" in identifier.source
        followed = client.get(answer.url).content.decode()
        assert "Kamerstukdossier 36546 is gekoppeld." in followed

    def test_with_htmx_the_section_answers_and_a_bad_value_is_shown_next_to_its_field(self, client, bill, alice):
        client.force_login(alice)
        url = reverse("identifier-add", args=[bill.key])
        refused = client.post(url, {"kind": "dossier", "value": "Kamerstuk 36546"}, headers=HTMX)
        assert refused.status_code == 400
        section = refused.content.decode()
        assert section.lstrip().startswith('<section class="identifiers" id="identifiers"')
        assert "“Kamerstuk 36546” is niet te lezen als Kamerstukdossier" in section
        assert 'aria-invalid="true"' in section and 'value="Kamerstuk 36546"' in section
        assert not bill.identifiers.exists()
        added = client.post(url, {"kind": "wetgevingskalender", "value": "WGK12345"}, headers=HTMX)
        assert added.status_code == 200 and "Wetgevingskalendernummer WGK012345 is gekoppeld." in added.content.decode()
        again = client.post(url, {"kind": "wetgevingskalender", "value": "12345"}, headers=HTMX)
        assert again.status_code == 400
        assert "Dit item heeft Wetgevingskalendernummer WGK012345 al." in again.content.decode()
        assert bill.identifiers.count() == 1

    def test_without_javascript_a_bad_value_shows_the_page_with_the_error(self, client, bill, alice):
        client.force_login(alice)
        refused = client.post(reverse("identifier-add", args=[bill.key]), {"kind": "publicatie", "value": "stb 2025"})
        assert refused.status_code == 400
        page = refused.content.decode()
        assert "<h1" in page and "is niet te lezen als publicatie in Staatsblad of Staatscourant" in page

    def test_a_coordinator_removes_one(self, client, bill, alice):
        identifier = services.add_identifier(bill, DOSSIER, "36546", by=alice)
        client.force_login(alice)
        answer = client.post(reverse("identifier-remove", args=[bill.key, identifier.pk]), headers=HTMX)
        assert answer.status_code == 200 and "Kamerstukdossier 36546 is verwijderd." in answer.content.decode()
        assert not bill.identifiers.exists()

    def test_a_coordinator_of_another_ministry_changes_nothing(self, client, bill, alice, bob):
        identifier = services.add_identifier(bill, DOSSIER, "36546", by=alice)
        client.force_login(bob)
        assert client.post(reverse("identifier-add", args=[bill.key]),
                           {"kind": "dossier", "value": "36547"}).status_code == 403
        assert client.post(reverse("identifier-remove", args=[bill.key, identifier.pk])).status_code == 403
        assert list(bill.identifiers.values_list("value", flat=True)) == ["36546"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_kamerstuk_into_a_dossier_identifier(committed_register):
    before, after = ("legislation", "0010_public_identifiers"), ("legislation", "0011_kamerstuk_as_identifier")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("legislation", "Bill")
    old.objects.filter(key="H08-A-01").update(kamerstuk="36 546")
    old.objects.filter(key="H08-A-02").update(kamerstuk="zie brief", notes="")
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    migration = importlib.import_module("legislation.migrations.0011_kamerstuk_as_identifier")
    moved = Identifier.objects.get(bill__key="H08-A-01")
    assert (moved.kind, moved.value, moved.source, moved.added_by) == (DOSSIER, "36546", migration.SOURCE, None)
    kept = Bill.objects.get(key="H08-A-02")
    assert not kept.identifiers.exists() and "zie brief" in kept.notes and "notes" in kept.edited_fields
    call_command("migrate", verbosity=0)  # the test database as the other tests expect it
