"""WCAG 2.1 AA: axe-core (npm, `npm ci`) audits every page type in Debian's Chromium.

A violation of impact "serious" or "critical" fails the test, listed with the page and the elements.
One browser and one login per test; each page is audited as it is reached, as a user reaches it.
"""

from pathlib import Path

import pytest
import tablib
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from legislation import services
from legislation.identifiers import IdentifierKind
from legislation.management.commands.create_demo_users import COORDINATION, permissions
from legislation.models import Bill, Milestone
from legislation.resources import RegisterResource
from publicrecord.models import Document, Dossier, Proposal

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class Audit:
    def __init__(self, page, screenshot):
        self.page, self.screenshot = page, screenshot
        self.failures = []

    def __call__(self, name):
        """Audit the page as it is now, under `name`."""
        page = self.page
        page.wait_for_load_state("networkidle")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        self.screenshot(page, "audit-" + name.replace(" ", "-"))
        results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
        for violation in results["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
                self.failures.append(f"{name}: {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")


@pytest.fixture
def audit(browser, live_server, coordinator, screenshot):
    """A logged-out tab that bypasses the Content-Security-Policy only so that axe can be injected."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in the repository.")
    coordinator.is_staff = True
    coordinator.save()
    group, _ = Group.objects.get_or_create(name="Ministeriële coördinatie")
    group.permissions.set(permissions(COORDINATION))
    coordinator.groups.add(group)
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    audit = Audit(page, screenshot)
    audit("login")
    page.fill("#id_username", "greta")
    page.fill("#id_password", "wachtwoord-greta")
    page.click("button.primary")
    expect(page.locator("#board")).to_be_visible()
    yield audit
    context.close()


def own_bill():
    """A bill of the coordinator's ministry, with milestones, in a stage with a next one."""
    bill = Bill.objects.filter(lead_ministry__code="JenV", stage="voorbereiding").order_by("key").first()
    Milestone.objects.get_or_create(bill=bill, kind="indiening_tk", defaults={"planned_date": "2030-06-30"})
    return bill


def propose_for(bill):
    """An open proposal of the public record for `bill`, so that the review list shows one."""
    document = Document.objects.create(
        source="tweedekamer", document_id="Besluit/axe", bill=bill, outcome="proposed", title="Verworpen. (Testwet)",
        date="2026-09-29", document_type="Stemmen - verworpen", url="https://www.tweedekamer.nl/kamerstukken")
    Proposal.objects.create(bill=bill, document=document, to_stage="verworpen", reason="Een eindstatus.")


def test_the_apps_pages_pass_axe(audit, live_server):
    page, url = audit.page, live_server.url
    bill = own_bill()
    propose_for(bill)
    other = Bill.objects.exclude(lead_ministry__code="JenV").exclude(co_ministries__code="JenV").order_by("key").first()
    audit("board")
    card = page.locator(f"#card-{bill.key}")
    card.locator("summary").click()
    expect(card.locator("select[name=stage]")).to_be_visible()
    audit("board with a move menu open")
    star = card.locator(".star-button")
    star.click()  # follow it: the star is drawn anew, and keeps the focus
    expect(star).to_have_attribute("aria-pressed", "true")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # past htmx's settling, after which the board's own handlers may move the focus
    expect(star).to_be_focused()
    audit("board with a followed item")
    card.locator(".card-title").click()
    expect(page.locator("#panel #detail")).to_be_visible()
    audit("detail panel")
    for name, path in [
        ("board filtered", "/?ministry=JenV&overdue=on"),
        ("board in swimlanes", "/?lanes=ministry"),
        ("board of followed items", "/?followed=on"),
        ("detail page", f"/register/{bill.key}/"),
        ("register", "/register/"),
        ("overview", "/overzicht/"),
        ("reminder settings", "/instellingen/herinneringen/"),
        ("review list", "/openbare-bron/voorstellen/"),
        ("403", f"/register/{other.key}/move/"),
        ("404", "/register/GEEN-DOSSIER/"),
    ]:
        response = page.goto(f"{url}{path}")
        assert response.status == {"403": 403, "404": 404}.get(name, 200), (name, response.status)
        audit(name)
    assert not audit.failures, "\n".join(audit.failures)


def test_the_identifiers_of_an_item_pass_axe(audit, live_server):
    """Linked identifiers, the dossiers proposed, and a value refused next to its field."""
    page, bill = audit.page, own_bill()
    services.add_identifier(bill, IdentifierKind.PUBLICATIE, "stb-2025-123", by=None, source="Test")
    Dossier.objects.create(number=36990, title=f"Regels over {bill.short_title}", ministry=bill.lead_ministry,
                           url="https://www.tweedekamer.nl/kamerstukken/wetsvoorstellen/detail?dossier=36990")
    page.goto(f"{live_server.url}/register/{bill.key}/")
    expect(page.locator("#identifiers .candidates")).to_be_visible()
    audit("detail page with identifiers and candidates")
    page.select_option("#identifiers select[name=kind]", "dossier")
    page.fill("#identifiers input[name=value]", "Kamerstuk 36546")
    page.click("#identifiers .add-identifier button")
    expect(page.locator("#identifier-error")).to_be_visible()
    audit("detail page with an identifier refused")
    assert not audit.failures, "\n".join(audit.failures)


def test_the_admins_pages_pass_axe(audit, live_server, tmp_path):
    page, url = audit.page, live_server.url
    bill = own_bill()
    for name, path in [
        ("admin index", "/admin/"),
        ("admin change form with milestones", f"/admin/legislation/bill/{bill.pk}/change/"),
        ("admin export", "/admin/legislation/bill/export/"),
        ("admin milestones", "/admin/legislation/milestone/"),
        ("admin history", f"/admin/legislation/bill/{bill.pk}/history/"),
        ("admin change list", f"/admin/legislation/bill/?q={bill.key}"),
    ]:
        assert page.goto(f"{url}{path}").status == 200, name
        audit(name)

    # The bulk action's form and its preview.
    page.check(f"input[name=_selected_action][value='{bill.pk}']")
    page.select_option("select[name=action]", "move_to_stage")
    page.click("button[name=index]")
    audit("admin bulk action form")
    page.select_option("select[name=stage]", "consultatie")
    page.click("input[name=preview]")
    expect(page.locator("table.bulk-outcomes")).to_be_visible()
    audit("admin bulk action preview")

    # The import form and its preview.
    rows = [dict(row) for row in RegisterResource().export(queryset=Bill.objects.filter(pk=bill.pk)).dict]
    rows[0]["notes"] = "Aangepast voor de toegankelijkheidstest"
    upload = tmp_path / "register.csv"
    upload.write_text(tablib.Dataset(*[list(r.values()) for r in rows], headers=list(rows[0])).export("csv"))
    page.goto(f"{url}/admin/legislation/bill/import/")
    audit("admin import")
    page.set_input_files("#id_import_file", str(upload))
    page.select_option("#id_format", label="csv")
    page.click("input[type=submit]")
    expect(page.locator("#content form input[name=import_file_name], .import-preview")).not_to_have_count(0)
    audit("admin import preview")
    assert not audit.failures, "\n".join(audit.failures)
