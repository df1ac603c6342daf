"""The intake in a real browser (Debian's Chromium through Playwright): a board signs in, sends
a return with errors, sees each finding at its cell, fixes it and sends it again, and the
return that counts changes; drag and drop works; the upload works with JavaScript off; another
board's pages and files are refused; assurers see the dashboard of their scope."""

from __future__ import annotations

import base64
import re

import openpyxl
import pytest

from bcf_xl.report.annotate import ERROR_FILL, SHEET
from bcf_xl.samples.demo import MISTAKES
from bcf_xl.validate import validate_file

from support.browser import playwright_chromium

pytestmark = pytest.mark.chromium

LEEDS, NORTHUMBERLAND, BOURNEMOUTH = "E08000035", "E06000048", "E06000028"


@pytest.fixture(scope="module")
def browser():
    with playwright_chromium() as chromium:
        yield chromium


@pytest.fixture
def page_for(browser, web):
    """A fresh browser (own cookies) signed in with a key."""
    contexts = []

    def open_as(key: str, javascript: bool = True):
        context = browser.new_context(base_url=web.url, java_script_enabled=javascript,
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        page.fill("#key", key)
        page.click("#sign-in")
        page.wait_for_url(re.compile(r"/(boards/E\d{8}|assurer)$"))
        page.wait_for_load_state("load")  # the drop zone's script has run
        return page
    yield open_as
    for context in contexts:
        context.close()


def _shown(page) -> list[tuple[str, str, tuple[str, ...]]]:
    rows = page.locator("tr.finding")
    return [(rows.nth(i).get_attribute("data-code"), rows.nth(i).get_attribute("data-sheet"),
             tuple((rows.nth(i).get_attribute("data-cells") or "").split()))
            for i in range(rows.count())]


def _send(page, path) -> int:
    page.set_input_files("#file", str(path))
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_a_board_fixes_its_return_and_the_counted_return_changes(
        page_for, web, return_with, filled_example, reference):
    """The findings page lists exactly the validator's findings (code, sheet, cells), grouped by
    sheet with cell links; after the corrected return is sent, it is the one that counts."""
    wrong = return_with(LEEDS, MISTAKES[0], MISTAKES[1], name="two mistakes")
    expected = validate_file(wrong, reference=reference, expected_hwb=LEEDS)
    page = page_for(web.keys.boards[LEEDS])
    assert page.url.endswith(f"/boards/{LEEDS}")
    first = _send(page, wrong)
    assert page.text_content("#errors") == str(expected.errors)
    assert _shown(page) == [(f.code, f.sheet or "", f.cells) for f in expected.findings]
    sheets = [s.strip() for s in page.locator("#sheets a").all_text_contents()]
    assert len(sheets) == len({f.sheet for f in expected.findings})
    page.locator("a.cell").first.click()
    assert re.search(r"#f1$", page.url)
    page.goto(f"/boards/{LEEDS}")
    assert page.get_attribute("#counted-link", "href") == f"/submissions/{first}"

    fixed = _send(page, filled_example(LEEDS))
    assert page.is_visible("#no-findings") and page.text_content("#errors") == "0"
    page.goto(f"/boards/{LEEDS}")
    assert page.get_attribute("#counted-link", "href") == f"/submissions/{fixed}"
    rows = page.locator("#history-table tbody tr")
    counts = {rows.nth(i).get_attribute("data-id"): rows.nth(i).locator(".counts-cell")
              .text_content().strip() for i in range(rows.count())}
    assert counts[str(fixed)] == "counts" and counts[str(first)] == ""


def test_the_annotated_copy_marks_each_finding(page_for, web, return_with, tmp_path):
    """The annotated workbook downloaded from the findings page has the Validation sheet and
    the cells with errors filled red."""
    wrong = return_with(NORTHUMBERLAND, MISTAKES[0], name="no chair")
    page = page_for(web.keys.boards[NORTHUMBERLAND])
    _send(page, wrong)
    codes = _shown(page)
    with page.expect_download() as info:
        page.click("#annotated")
    saved = tmp_path / "annotated.xlsx"
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[0] == SHEET
    code, sheet, cells = next(c for c in codes if c[2])
    assert book[sheet][cells[0]].fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])


def test_a_dropped_file_is_sent(page_for, web, filled_example):
    """Dropping a workbook on the drop zone sends it like the form and shows its findings."""
    page = page_for(web.keys.boards[NORTHUMBERLAND])
    page.wait_for_selector("#dropzone[data-ready=drop]")
    data = base64.b64encode(filled_example(NORTHUMBERLAND).read_bytes()).decode()
    page.evaluate("""(data) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const file = new File([bytes], 'dropped return.xlsx');
        const transfer = new DataTransfer();
        transfer.items.add(file);
        const zone = document.getElementById('dropzone');
        for (const type of ['dragenter', 'dragover', 'drop']) {
            zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                                    cancelable: true}));
        }
    }""", data)
    page.wait_for_url(re.compile(r"/submissions/\d+$"))
    assert page.text_content("h1").startswith("dropped return.xlsx")
    assert page.is_visible("#no-findings")


def test_the_upload_works_without_javascript(page_for, web, return_with):
    """With JavaScript off, the form alone sends the file and the findings page answers."""
    page = page_for(web.keys.boards[NORTHUMBERLAND], javascript=False)
    wrong = return_with(NORTHUMBERLAND, MISTAKES[4], name="ccg not signed")
    _send(page, wrong)
    assert int(page.text_content("#errors")) >= 1
    assert any(code.startswith("cover.") for code, _, _ in _shown(page))


def test_another_boards_pages_and_files_are_refused(page_for, web, filled_example):
    """Signed in as one board, every page and file of another board answers 403."""
    import httpx

    from support.webserver import upload

    with httpx.Client(base_url=web.url, timeout=60) as client:
        theirs = upload(client, BOURNEMOUTH, web.keys.boards[BOURNEMOUTH],
                        filled_example(BOURNEMOUTH)).json()["id"]
    page = page_for(web.keys.boards[LEEDS])
    for path in (f"/boards/{BOURNEMOUTH}", f"/submissions/{theirs}",
                 f"/submissions/{theirs}/original", f"/submissions/{theirs}/annotated.xlsx",
                 f"/submissions/{theirs}/report.html", "/assurer", "/assurer/dashboard"):
        answer = page.goto(path)
        assert answer.status == 403, path
        assert page.text_content("#code") == "auth.forbidden"


def test_assurers_see_the_dashboard_of_their_scope(page_for, web):
    """The national assurer's dashboard counts every board that sent something as the API
    does; the London assurer's lists only London's boards, on the boards page and in the
    dashboard."""
    import httpx

    from support.webserver import bearer

    statuses = httpx.get(f"{web.url}/api/v1/boards", headers=bearer(web.keys.national),
                         timeout=60).json()
    national = page_for(web.keys.national)
    assert national.url.endswith("/assurer")
    assert national.locator("#boards tbody tr").count() == 151
    national.click("#dashboard-link")
    sent = int(re.search(r"(\d+) board\(s\) with a return", national.content()).group(1))
    assert sent == sum(1 for s in statuses if s["submissions"]) > 0
    assert int(national.text_content("#missing")) == 151 - sent
    london = page_for(web.keys.regional["London"])
    regions = set(london.locator("#boards tbody tr td:nth-child(3)").all_text_contents())
    assert regions == {"London"} and london.locator("#boards tbody tr").count() == 33
    london.goto("/assurer/dashboard")
    returns = london.locator("#returns").locator("tbody tr td:nth-child(4)")
    assert set(returns.all_text_contents()) <= {"London"}
    missing = int(london.text_content("#missing"))
    assert missing == 33 - len({r for r in london.locator("#returns").locator(
        "tbody tr td:nth-child(2)").all_text_contents()})


def test_signing_in_leads_back_to_the_page_asked_for(browser, web):
    """A page opened without signing in shows the sign-in form, and the key leads back to
    that page."""
    context = browser.new_context(base_url=web.url)
    try:
        page = context.new_page()
        page.goto(f"/boards/{LEEDS}")
        assert page.is_visible("#key")
        page.fill("#key", web.keys.boards[LEEDS])
        page.click("#sign-in")
        page.wait_for_url(re.compile(rf"/boards/{LEEDS}$"))
        page.click("#sign-out")
        page.wait_for_url(re.compile(r"/$"))
        assert page.goto(f"/boards/{LEEDS}").url.endswith(f"/?next=/boards/{LEEDS}")
    finally:
        context.close()
