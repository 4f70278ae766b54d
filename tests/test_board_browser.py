"""The board in a real browser: Debian's Chromium, driven by Playwright."""

from playwright.sync_api import expect

from legislation.models import Bill, Chapter, Ministry

def new_bill(key, instrument, stage, short_title):
    return Bill.objects.create(
        key=key,
        chapter=Chapter.objects.get(code="H8"),
        category="aangekondigd",
        title=short_title,
        short_title=short_title,
        instrument=instrument,
        stage=stage,
        lead_ministry=Ministry.objects.get(code="JenV"),
    )


def drag(page, source, target):
    """Drag as a person does: press, move a little, move over the target, release."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 15)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 35, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=10)
    page.mouse.up()


def card(page, key):
    return page.locator(f"#card-{key}")


def column(page, stage):
    return page.locator(f'#board .column[data-stage="{stage}"]').first


def expect_in_column(page, bill, stage):
    """The card stands in the column of `stage`, and so does the bill in the database."""
    expect(column(page, stage).locator(f"#card-{bill.key}")).to_be_visible()
    bill.refresh_from_db()
    assert bill.stage == stage


def test_drag_a_card_to_the_next_column_and_it_stays_there_after_a_reload(page):
    bill = new_bill("X-DRAG", "wet", "eerste_kamer", "Sleepwet")
    page.reload()
    drag(page, card(page, bill.key), column(page, "gepubliceerd"))
    expect(column(page, "gepubliceerd").locator(f"#card-{bill.key}")).to_be_visible()
    expect(card(page, bill.key).locator(".notice")).to_contain_text("is nu in “Bekendgemaakt”")
    page.reload()
    expect_in_column(page, bill, "gepubliceerd")


def test_move_a_card_with_the_keyboard(page):
    bill = new_bill("X-KEYS", "wet", "eerste_kamer", "Toetsenbordwet")
    page.reload()
    card(page, bill.key).locator("summary").focus()
    page.keyboard.press("Enter")  # opens the card's move menu, which is fetched then
    expect(card(page, bill.key).locator("select")).to_have_value("gepubliceerd")  # the next stage on its path
    page.keyboard.press("Tab")  # to the stage
    page.keyboard.press("ArrowDown")  # one further
    page.keyboard.press("Tab")  # to the reason
    page.keyboard.press("Tab")  # to the button
    page.keyboard.press("Enter")
    expect_in_column(page, bill, "in_werking")


def test_a_refused_move_is_explained_and_the_card_goes_back(page):
    bill = new_bill("X-AMVB", "amvb", "raad_van_state", "Besluit over proeven")
    page.reload()
    drag(page, card(page, bill.key), column(page, "tweede_kamer"))
    notice = card(page, bill.key).locator(".notice")
    expect(notice).to_have_text("Een AMvB doorloopt de fase “Tweede Kamer” niet.")
    expect_in_column(page, bill, "raad_van_state")
    assert not bill.moves.exists()


def test_a_move_that_needs_a_reason_asks_for_it(page):
    bill = new_bill("X-BACK", "wet", "raad_van_state", "Terugwet")
    page.reload()
    drag(page, card(page, bill.key), column(page, "voorbereiding"))
    reason = card(page, bill.key).locator("textarea[name=reason]")
    expect(reason).to_be_visible()
    expect(card(page, bill.key).locator(".notice")).to_contain_text("vraagt om een reden")
    reason.fill("De Raad van State adviseert het voorstel niet in te dienen")
    card(page, bill.key).locator("details.move button[type=submit]").click()
    expect_in_column(page, bill, "voorbereiding")
    assert bill.moves.get().reason.startswith("De Raad van State")


def test_the_board_filters_by_ministry_via_the_url(page, live_server):
    page.goto(f"{live_server.url}/?ministry=VWS")
    expect(page.locator("#id_ministry")).to_have_value("VWS")
    keys = page.locator("#board .card").evaluate_all("cards => cards.map(c => c.dataset.key)")
    vws = {b.key for b in Bill.objects.filter(lead_ministry__code="VWS")} | {
        b.key for b in Bill.objects.filter(co_ministries__code="VWS")
    }
    assert keys and set(keys) <= vws

    # Choosing another ministry updates the board and the address without a full reload.
    page.evaluate("window.notReloaded = true")
    page.select_option("#id_ministry", "AenM")
    expect(page).to_have_url(f"{live_server.url}/?q=&ministry=AenM&chapter=&category=&instrument=&stage=&lanes=")
    expect(page.locator("#board .card").first).to_be_visible()
    assert page.evaluate("window.notReloaded")
    page.go_back()
    expect(page.locator("#id_ministry")).to_have_value("VWS")


def test_no_page_breaks_the_content_security_policy(page, live_server):
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(f"{page.url}: {message.text}"))
    page.evaluate("document.addEventListener('securitypolicyviolation', e => console.log('Content Security Policy: ' + e.violatedDirective + ' ' + e.sourceFile + ' ' + e.sample))")
    bill = new_bill("X-CSP", "wet", "eerste_kamer", "Beleidswet")
    for path in ["/", "/register/", "/overzicht/", "/instellingen/herinneringen/", f"/register/{bill.key}/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/")
    drag(page, card(page, bill.key), column(page, "gepubliceerd"))  # htmx at work under the policy
    expect(column(page, "gepubliceerd").locator(f"#card-{bill.key}")).to_be_visible()
    page.click(f"#card-{bill.key} .card-title")
    expect(page.locator("#panel #detail")).to_be_visible()
    assert violations == []


def test_the_star_in_the_panel_and_on_the_card_say_the_same(page):
    bill = new_bill("A-STER", "wet", "voorbereiding", "Sterrenwet")  # first in a column the panel leaves free
    page.reload()
    page.click(f"#card-{bill.key} .card-title")
    panel_star, card_star = page.locator(f"#star-detail-{bill.key}"), page.locator(f"#star-card-{bill.key}")
    panel_star.click()
    expect(panel_star).to_have_attribute("aria-pressed", "true")
    expect(card_star).to_have_attribute("aria-pressed", "true")
    expect(card_star).to_have_attribute("title", "Volg niet meer Sterrenwet")
    card_star.click()  # and back, from the card: the panel's star follows, and both still work
    expect(panel_star).to_have_attribute("aria-pressed", "false")
    expect(card_star).to_have_attribute("aria-pressed", "false")
    panel_star.click()
    expect(card_star).to_have_attribute("aria-pressed", "true")
    assert bill.follows.count() == 1
