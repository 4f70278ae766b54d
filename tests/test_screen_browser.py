"""The tracker on a coordinator's screen (issue 12): a laptop of 1280 px and a phone of 390 px.

Each test saves screenshots to test-artifacts/, which CI keeps.
"""

import re

from django.utils import translation
from playwright.sync_api import expect

from legislation.policy import END_STATES
from legislation.models import Bill, Stage
from tests.test_board_browser import new_bill

MAIN_LINE = [stage for stage in Stage if stage not in END_STATES]

# Elements whose right edge lies beyond the viewport, unless a box that fits clips or scrolls them.
OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const off = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let clipped = false;
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== "visible" && parent.getBoundingClientRect().right <= width + 1) {
        clipped = true;
        break;
      }
    }
    if (!clipped) off.push(`${element.tagName.toLowerCase()}.${element.className} ends at ${Math.round(box.right)} px`);
  }
  return off;
}"""


# The words of the column names that a line break cuts in two: a word's text then has a box on each line.
CUT_WORDS = """() => {
  const cut = [];
  for (const name of document.querySelectorAll(".column-title .name")) {
    const text = name.firstChild;
    for (const word of text.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(text, word.index);
      range.setEnd(text, word.index + word[0].length);
      if (range.getClientRects().length > 1) cut.push(word[0]);
    }
  }
  return cut;
}"""


def open_menu_with_enter(page, key):
    """Enter on a card's focused "Move": its menu is fetched, and htmx binds the fetched form as it settles it,
    when it takes away the class `htmx-added`. A key press before that posts the form without htmx, as a page
    without JavaScript does; a person is not that fast, a test is."""
    page.keyboard.press("Enter")
    form = page.locator(f"#card-{key} form.move-form")
    expect(form).to_be_attached()
    expect(form).not_to_have_class(re.compile(r"\bhtmx-added\b"))


def focused(page):
    """Where the keyboard focus is: the element's id, or that of the card holding it."""
    return page.evaluate("""() => {
      const element = document.activeElement;
      const card = element.closest(".card");
      return {tag: element.tagName.toLowerCase(), id: element.id, card: card ? card.id : null,
              column: element.closest(".column") ? element.closest(".column").dataset.stage : null,
              panel: !!element.closest("#panel")};
    }""")


def test_every_stage_of_the_main_line_fits_at_1280_px(open_page, screenshot):
    page = open_page(1280, 800)
    page.wait_for_load_state("networkidle")
    screenshot(page, "board")
    sizes = page.evaluate("() => ({page: document.documentElement.scrollWidth, viewport: innerWidth,"
                          " columns: document.querySelector('#board .columns').scrollWidth,"
                          " shown: document.querySelector('#board .columns').clientWidth,"
                          " height: document.documentElement.scrollHeight})")
    assert sizes["page"] <= sizes["viewport"], sizes
    assert sizes["columns"] <= sizes["shown"], sizes  # no horizontal scroll inside the board either
    # 159 items in one column do not make the page thousands of pixels high.
    assert sizes["height"] <= 2 * 800, sizes
    for stage in MAIN_LINE:
        heading = page.locator(f"#col-{stage}-all")
        box = heading.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (stage, box)
        assert heading.evaluate("h => h.scrollWidth <= h.clientWidth"), f"{stage}: the name runs out of its column"
        with translation.override("nl"):
            expect(heading.locator(".name")).to_have_text(str(stage.label))
        expect(heading.locator(".count")).to_have_text(str(Bill.objects.filter(stage=stage).count()))
    assert page.evaluate(CUT_WORDS) == []  # an empty column is narrower, but "Bekendgemaakt" stays whole


def test_the_longest_column_scrolls_under_its_heading_and_shows_more_in_place(open_page, screenshot):
    page = open_page(1280, 800)
    cards = page.locator("#cards-all-aangekondigd")
    heading = page.locator("#col-aangekondigd-all")
    cards.evaluate("list => list.scrollTop = list.scrollHeight")
    expect(heading).to_be_in_viewport()
    more = cards.locator("li.more a")
    expect(more).to_contain_text("20 van")
    more.focus()
    page.keyboard.press("Enter")
    expect(cards.locator("li.card")).to_have_count(40)
    # The focus goes to the first card that came in, the 21st, where the user was reading.
    expect(cards.locator("li.card").nth(20).locator(".card-title")).to_be_focused()
    expect(cards.locator("li.more a")).to_contain_text("40 van")
    screenshot(page, "board-more")


def test_nothing_runs_off_a_phone(open_page, live_server, screenshot):
    page = open_page(390, 844)
    bill = Bill.objects.filter(stage="aangekondigd").order_by("key").first()
    menu = page.locator(".menu-toggle")
    expect(menu).to_be_visible()
    expect(page.locator("#mainnav")).to_be_hidden()
    screenshot(page, "board")
    menu.click()
    expect(page.locator("#mainnav")).to_be_visible()
    assert page.evaluate(OFF_SCREEN) == []
    screenshot(page, "board-menu")

    page.locator(f"#card-{bill.key} .card-title").click()
    expect(page.locator("#panel #detail")).to_be_visible()
    close = page.locator("#panel .close")
    expect(close).to_be_in_viewport()
    assert page.evaluate(OFF_SCREEN) == []
    screenshot(page, "panel")
    close.click()
    expect(page.locator("#panel")).to_be_empty()

    for name, path in [("register", "/register/"), ("overview", "/overzicht/"), ("detail", f"/register/{bill.key}/"),
                       # Long words in the title and the changes, a dossier, moves with their sources.
                       ("detail-long", "/register/H01-A-07/"), ("detail-history", "/register/H06a-A-07/"),
                       ("reminders", "/instellingen/herinneringen/")]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(OFF_SCREEN) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(page, name)


def test_main_pages_at_laptop_size(open_page, live_server, screenshot):
    """Screenshots of the other main pages at 1440 px, to be looked at."""
    page = open_page(1440, 900)
    screenshot(page, "board")
    assert page.evaluate(CUT_WORDS) == []
    bill = Bill.objects.filter(stage="aangekondigd").order_by("key").first()
    page.locator(f"#card-{bill.key} .card-title").click()
    expect(page.locator("#panel #detail")).to_be_visible()
    screenshot(page, "panel")
    for name, path in [("register", "/register/"), ("overview", "/overzicht/"), ("swimlanes", "/?lanes=ministry")]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440, path
        screenshot(page, name)
    # One click to English, where the interface and its dates are English.
    page.goto(f"{live_server.url}/")
    page.click("button[name=language][value=en]")
    expect(page.locator("h1")).to_have_text("Board")
    expect(page.locator("#col-aangekondigd-all .name")).to_have_text("Announced")
    expect(page.locator(".skip-link")).to_have_text("Skip to the board")
    screenshot(page, "board-en")


def test_a_keyboard_only_move_leaves_the_focus_on_the_moved_card(open_page, screenshot):
    bill = new_bill("X-FOCUS", "wet", "eerste_kamer", "Toetsenbordwet")
    page = open_page(1280, 800)
    # From the top of the page: the skip link leads to the board.
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "a" and page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "board"
    page.locator(f"#card-{bill.key} .card-title").focus()
    page.keyboard.press("Tab")  # to the card's "Move"
    # A poll that redraws the board now leaves the focus on "Move", not on the card's title.
    page.evaluate("htmx.ajax('GET', '/', {source: '#board', target: '#board', swap: 'outerHTML'})")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#card-{bill.key} details.move summary")).to_be_focused()
    open_menu_with_enter(page, bill.key)
    select = page.locator(f"#card-{bill.key} select")
    expect(select).to_have_value("gepubliceerd")
    page.keyboard.press("Tab")  # to the stage
    page.keyboard.press("Tab")  # to the reason
    page.keyboard.press("Tab")  # to the button
    page.keyboard.press("Enter")
    moved = page.locator(f'#board .column[data-stage="gepubliceerd"] #card-{bill.key}')
    expect(moved).to_be_visible()
    expect(moved.locator(".notice")).to_contain_text("is nu in “Bekendgemaakt”")
    expect(page.locator(f"#card-{bill.key} .card-title")).to_be_focused()
    assert focused(page)["column"] == "gepubliceerd"
    screenshot(page, "board-moved")
    # The board's poll, which would redraw the board without the confirmation, waits while the focus is there.
    page.evaluate("htmx.ajax('GET', '/', {source: '#board', target: '#board', swap: 'outerHTML'})")
    page.wait_for_load_state("networkidle")
    expect(moved.locator(".notice")).to_be_visible()
    expect(page.locator(f"#card-{bill.key} .card-title")).to_be_focused()
    bill.refresh_from_db()
    assert bill.stage == "gepubliceerd"

    # The detail opens with the keyboard, takes the focus, and Escape gives it back to the card.
    page.keyboard.press("Enter")
    expect(page.locator("#panel h1")).to_be_focused()
    assert page.locator("#panel").get_attribute("aria-live") is None
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_empty()
    expect(page.locator(f"#card-{bill.key} .card-title")).to_be_focused()


def test_a_move_that_needs_a_reason_puts_the_focus_in_the_reason(open_page):
    bill = new_bill("X-WHY", "wet", "raad_van_state", "Waaromwet")
    page = open_page(1280, 800)
    page.locator(f"#card-{bill.key} summary").focus()
    open_menu_with_enter(page, bill.key)
    select = page.locator(f"#card-{bill.key} select")
    expect(select).to_be_visible()
    select.select_option("voorbereiding")  # back: the rules ask why
    page.locator(f"#card-{bill.key} details.move button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#card-{bill.key} textarea[name=reason]")).to_be_focused()
