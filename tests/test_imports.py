"""What an import accepts (size, rows, archives, encodings) and how a previewed file waits for its confirmation."""

import codecs
import io
import os
import tempfile
import time
import zipfile

import pytest
import tablib
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from legislation.imports import MAX_BYTES, MAX_ROWS, PENDING_HOURS
from legislation.models import Bill
from legislation.resources import RegisterResource
from tests.test_admin import as_staff
from tests.test_import_export import admin_confirm, admin_import, sheet


@pytest.fixture(autouse=True)
def private_folders(settings, tmp_path, monkeypatch):
    """VAR_DIR and the temporary folder of this test alone, to see what an import leaves behind."""
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with translation.override("nl"):
        yield tmp_path


def left_behind(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def register_csv(bill, **changes):
    rows = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
    rows[0].update(changes)
    return tablib.Dataset(*[list(r.values()) for r in rows], headers=list(rows[0])).export("csv")


def form_errors(page):
    return [str(error) for error in page.context["form"].errors.get("import_file", [])]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestLimits:
    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(self, client, charlie, private_folders):
        as_staff(client, charlie)
        page = admin_import(client, "bill", b"key\n" + b"x" * MAX_BYTES, "csv")
        assert form_errors(page) == ["Het bestand is 5,0\xa0MB; een import neemt hoogstens 5,0\xa0MB. Verdeel het "
                                     "over kleinere bestanden."]
        assert "confirm_form" not in page.context and "result" not in page.context
        assert left_behind(private_folders) == []

    def test_a_file_with_too_many_rows_is_refused_as_a_whole(self, client, charlie, private_folders):
        as_staff(client, charlie)
        page = admin_import(client, "bill", ("key,notes\n" + "X,\n" * (MAX_ROWS + 1)).encode(), "csv")
        assert [str(e.error) for e in page.context["result"].base_errors] == [
            "Het bestand heeft 20001 rijen; een import neemt hoogstens 20000. Verdeel het over kleinere bestanden."]
        assert left_behind(private_folders) == []

    def test_an_excel_file_that_would_unpack_far_beyond_its_size_is_refused(self, client, charlie, private_folders):
        as_staff(client, charlie)
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive, \
                archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(60):
                member.write(b"\0" * 1024 * 1024)
        assert len(bomb.getvalue()) < MAX_BYTES / 50
        page = admin_import(client, "bill", bomb.getvalue(), "xlsx")
        assert form_errors(page) == ["Dit Excel-bestand zou uitpakken tot 60,0\xa0MB, meer dan een import neemt "
                                     "(50,0\xa0MB)."]
        page = admin_import(client, "bill", b"key\nX\n", "xlsx")
        assert form_errors(page) == ["Dit is geen Excel-bestand (.xlsx). Sla het op als Excel-werkmap of als CSV "
                                     "UTF-8 en probeer het opnieuw."]
        assert left_behind(private_folders) == []


class TestEncodings:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
    def test_utf_8_and_utf_16_with_its_byte_order_mark_are_read(self, client, charlie, make_bill, encoding):
        as_staff(client, charlie)
        bill = make_bill()
        preview = admin_import(client, "bill", register_csv(bill, notes="Één café").encode(encoding), "csv")
        assert preview.context["result"].totals["update"] == 1
        admin_confirm(client, "bill", preview)
        bill.refresh_from_db()
        assert bill.notes == "Één café"

    @pytest.mark.parametrize("encode", [lambda text: text.encode("latin-1"),
                                        lambda text: text.encode("utf-16-le"),
                                        lambda text: codecs.BOM_UTF16_BE[:1] + text.encode("cp1252")])
    def test_another_encoding_is_refused_naming_the_one_to_use(self, client, charlie, make_bill, encode):
        as_staff(client, charlie)
        bill = make_bill()
        page = admin_import(client, "bill", encode(register_csv(bill, notes="Één café")), "csv")
        assert form_errors(page) == ["Dit bestand is niet in UTF-8 gecodeerd. Sla het in Excel op als “CSV UTF-8 "
                                     "(door komma's gescheiden)”, of als Excel-werkmap, en probeer het opnieuw."]
        bill.refresh_from_db()
        assert bill.notes == ""


class TestPendingImport:
    def test_a_preview_waits_in_its_uploaders_folder_and_is_gone_after_confirming(self, client, alice, make_bill,
                                                                                 private_folders):
        as_staff(client, alice)
        bill = make_bill()
        preview = admin_import(client, "bill", register_csv(bill, notes="Nieuw").encode(), "csv")
        name = preview.context["confirm_form"]["import_file_name"].value()
        assert len(name) == 32 and left_behind(private_folders) == [f"var/imports/{alice.pk}/{name}"]
        done = admin_confirm(client, "bill", preview)
        assert messages_of(done) == ["Geïmporteerd: 1 gewijzigd, 0 toegevoegd, 0 verwijderd, 0 ongewijzigd."]
        assert left_behind(private_folders) == []

        again = admin_confirm(client, "bill", preview)
        assert again.status_code == 302 and messages_of(again)[-1] == (
            "Deze import wacht niet meer op bevestiging: hij is al bevestigd of geannuleerd, of verlopen. Importeer "
            "het bestand opnieuw.")

    @pytest.mark.parametrize("name", ["", "../../../etc/passwd", "0" * 32, "someone-else's"])
    def test_a_confirmation_naming_no_pending_import_of_its_own_is_a_message(self, client, alice, charlie, make_bill,
                                                                            name):
        as_staff(client, alice)
        bill = make_bill()
        preview = admin_import(client, "bill", register_csv(bill, notes="Nieuw").encode(), "csv")
        fields = {field.html_name: field.value() for field in preview.context["confirm_form"]}
        as_staff(client, charlie)
        if name != "someone-else's":
            fields["import_file_name"] = name
        response = client.post(reverse("admin:legislation_bill_process_import"), fields)
        assert response.status_code == 302 and "Deze import wacht niet meer" in messages_of(response)[0]
        bill.refresh_from_db()
        assert bill.notes == ""

    def test_cancelling_removes_the_pending_import(self, client, alice, make_bill, private_folders):
        as_staff(client, alice)
        bill = make_bill()
        preview = admin_import(client, "bill", register_csv(bill, notes="Nieuw").encode(), "csv")
        fields = {field.html_name: field.value() for field in preview.context["confirm_form"]}
        response = client.post(reverse("admin:legislation_bill_process_import"), {**fields, "cancel": "1"})
        assert messages_of(response) == ["De import is geannuleerd; er is niets geïmporteerd."]
        assert left_behind(private_folders) == []
        bill.refresh_from_db()
        assert bill.notes == ""

    def test_a_preview_with_invalid_rows_keeps_nothing(self, client, alice, make_bill, private_folders):
        as_staff(client, alice)
        page = admin_import(client, "bill", register_csv(make_bill(), stage="prullenbak").encode(), "csv")
        assert "confirm_form" not in page.context and page.context["result"].has_validation_errors()
        assert left_behind(private_folders) == []

    def test_a_pending_import_expires(self, client, alice, make_bill, private_folders):
        as_staff(client, alice)
        bill = make_bill()
        admin_import(client, "bill", register_csv(bill, notes="Eerste").encode(), "csv")
        (old,) = [path for path in (private_folders / "var" / "imports").rglob("*") if path.is_file()]
        stale = time.time() - PENDING_HOURS * 3600 - 60
        os.utime(old, (stale, stale))
        admin_import(client, "bill", register_csv(bill, notes="Tweede").encode(), "csv")
        assert not old.exists() and len(left_behind(private_folders)) == 1
