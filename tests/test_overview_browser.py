"""The programme overview in headless Chromium: the charts are drawn and labelled, and a screenshot is kept."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from legislation import services
from legislation.models import Bill, Chapter

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def on_the_overview(page, live_server):
    """The overview of the register with some history to draw: 30 items in drafting, half of them on to consultation."""
    today = timezone.localdate()
    for n, bill in enumerate(Bill.objects.filter(moves__isnull=True, instrument="wet").order_by("key")[:30]):
        services.move_bill(bill, "voorbereiding", occurred_on=today - datetime.timedelta(days=300 - 5 * n))
        if n % 2:
            services.move_bill(bill, "consultatie", occurred_on=today - datetime.timedelta(days=120 - 2 * n))
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/overzicht/")


@pytest.mark.usefixtures("on_the_overview")
def test_the_overview_draws_labelled_charts_and_keeps_a_screenshot(page):
    flow = page.locator("svg.flow-chart")
    expect(flow).to_have_attribute("role", "img")
    label = flow.get_attribute("aria-label")
    assert label.startswith("Cumulatieve doorstroom van 13 september 2024 tot en met ")
    drafting = f"Voorbereiding {Bill.objects.filter(stage='voorbereiding').count()}"
    assert drafting in label
    expect(flow.locator("title").first).to_contain_text("Cumulatieve doorstroom")
    expect(flow.locator("polygon")).to_have_count(9)  # eight stages of the main line and the closed items
    expect(page.locator(".legend").first).to_contain_text(drafting)

    bars = page.locator(".chapter-bars svg[role=img]")
    expect(bars).to_have_count(Chapter.objects.count())
    expect(bars.first).to_have_attribute("aria-label", re.compile(r"^H1: \w"))
    expect(page.locator(".stage-times svg[role=img]").first).to_have_attribute(
        "aria-label", re.compile(r"^Voorbereiding: mediaan \d+(,5)? dagen, langste \d+ dagen$")
    )

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#overview-filters")).to_be_hidden()
    page.screenshot(path=ARTIFACTS / "overview-print.png", full_page=True)
    assert (ARTIFACTS / "overview.png").stat().st_size > 10_000


@pytest.mark.usefixtures("on_the_overview")
def test_filtering_swaps_the_overview_and_its_title_and_a_count_opens_the_board(page, live_server):
    page.evaluate("window.notReloaded = true")
    page.select_option("#id_ministry", "JenV")
    query = "?q=&ministry=JenV&chapter=&category=&instrument=&stage="
    expect(page).to_have_url(f"{live_server.url}/overzicht/{query}")
    expect(page).to_have_title(re.compile(r"^Programmaoverzicht .* — Ministerie: JenV · Wetgevingsmonitor$"))
    expect(page.locator(".matrix tbody tr")).to_have_count(1)
    expect(page.locator(".report-actions a")).to_have_attribute("href", f"/overzicht/overzicht.xlsx{query}")
    assert page.evaluate("window.notReloaded")

    cell = page.locator(".matrix tbody td a").first
    count = cell.inner_text()
    cell.click()
    expect(page.locator("#board")).to_be_visible()
    stage = re.search(r"[?&]stage=(\w+)", page.url)[1]
    assert "ministry=JenV" in page.url
    expect(page.locator(f"#count-all-{stage}")).to_have_text(count)  # the board shows a column's first cards
