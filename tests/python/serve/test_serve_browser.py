"""Issue 23: the residents' pages in a real headless browser (Chromium and chromedriver
from Debian, driven by Selenium from PyPI; scripts/setup.sh installs all three). A
resident checks a NIK and reads the masked answer, submits a report and sees the
outcome; a visitor opens a certified place and checks its sticker; an officer logs in,
reserves a bed and finds the action in the audit log; the pages in both languages. No
page loads anything but the service's own stylesheet. Screenshots are kept under
SKAMP_BUILD_DIR/serve-screenshots (else the test's temporary folder)."""

import os
import pathlib
import shutil

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import personal, program_env
from serve_fixture import OFFICER, Server, make_district, sticker


def _binary(*names):
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    raise AssertionError(f"{names[0]} is needed (Debian packages chromium and chromium-driver, scripts/setup.sh)")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return make_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def server(district):
    s = Server(district, log_name="browser.log").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    build = os.environ.get("SKAMP_BUILD_DIR")
    folder = pathlib.Path(build) / "serve-screenshots" if build else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=412,915",  # a phone's screen
        f"--user-data-dir={tmp_path_factory.mktemp('profile')}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):  # nothing outside is reachable
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The browser is not under test: the sanitizer run's preloaded runtime stays out of it.
    service = Service(executable_path=_binary("chromedriver"), env=program_env())
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def result(driver):
    return WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "result")))


def click_and_wait(driver, element):
    """Clicks a submit button and waits for the next page (a click returns before it loads).

    The old page is marked with a property of its window; a new document has a new window
    object without it. Chrome may answer a query made while the page is being replaced with
    any of several errors ("stale element", "node does not belong to the document", "no
    such execution context"), so the wait ignores them and asks again.
    """
    driver.execute_script("window.__skOldPage = true;")
    element.click()
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return window.__skOldPage === undefined && document.readyState === 'complete'")
    )


def fill(driver, **fields):
    for name, value in fields.items():
        el = driver.find_element(By.NAME, name)
        if el.tag_name == "select":
            el.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            el.clear()
            el.send_keys(value)


def submit(driver, form_id):
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]"))


def no_outside_requests(driver, server):
    """Every resource the page loaded came from the service itself."""
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith(server.url) for u in urls), urls


def test_resident_checks_a_nik_and_reads_the_masked_answer(browser, server, district, shots):
    personal(district.found_nik)
    browser.get(server.url + "/id/cek")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Cek penerima bantuan"
    fill(browser, nik=district.found_nik)
    submit(browser, "check-form")
    r = result(browser)
    assert r.get_attribute("data-outcome") == "found"
    assert r.get_attribute("data-programs").split() == district.found_programs
    assert district.found_nik not in browser.page_source
    assert district.found_nik[:4] + "********" + district.found_nik[-4:] == r.get_attribute("data-nik")
    assert "menerima" in r.text
    no_outside_requests(browser, server)
    browser.save_screenshot(str(shots / "cek-id-found.png"))
    # an invalid NIK: the reason, in the page's language
    browser.get(server.url + "/en/cek")
    fill(browser, nik="3510014513900001")  # month 13
    submit(browser, "check-form")
    assert result(browser).get_attribute("data-reason") == "birth_date"
    assert "birth date inside the NIK is impossible" in result(browser).text
    browser.save_screenshot(str(shots / "cek-en-invalid.png"))


def test_resident_submits_a_report_and_sees_the_outcome(browser, server, district, shots):
    record = {"nik": district.new_niks[10], "kk": "3510010101200005", "name": "Sri Wahyuningsih"}
    personal(record)
    browser.get(server.url + "/id/lapor")
    fill(browser, **record)
    browser.find_element(By.NAME, "birth_date").send_keys("05011990")  # the date input, day first in this locale
    fill(browser, sex="P")
    submit(browser, "report-form")
    r = result(browser)
    assert r.get_attribute("data-outcome") == "accepted", r.text
    assert int(r.get_attribute("data-queue-position")) >= 1 and "Nomor antrean" in r.text
    browser.save_screenshot(str(shots / "lapor-id-accepted.png"))
    # the same person again, in English: refused with the reason
    browser.get(server.url + "/en/lapor")
    fill(browser, nik=record["nik"], name=record["name"])
    submit(browser, "report-form")
    r = result(browser)
    assert r.get_attribute("data-outcome") == "refused" and r.get_attribute("data-reason") == "duplicate_report"
    assert "already reported" in r.text
    browser.save_screenshot(str(shots / "lapor-en-duplicate.png"))


def test_visitor_opens_a_certified_place_and_checks_its_sticker(browser, server, district, shots):
    browser.get(server.url + "/id/tempat?lat=-8.2192&lon=114.3691&radius=3000")
    links = browser.find_elements(By.CSS_SELECTOR, "#places a.place")
    assert [a.text for a in links] == ["Warung Osing Kemiren"]  # the suspended and the revoked are not listed
    browser.save_screenshot(str(shots / "tempat-id-near.png"))
    click_and_wait(browser, links[0])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Warung Osing Kemiren"
    assert "berlaku" in browser.find_element(By.ID, "place").text
    browser.find_element(By.NAME, "text").send_keys(sticker(district, 1))
    submit(browser, "sticker-form")
    r = result(browser)
    assert (r.get_attribute("data-outcome"), r.get_attribute("data-genuine")) == ("valid", "true")
    assert "ASLI dan BERLAKU" in r.text
    browser.save_screenshot(str(shots / "tempat-id-sticker-valid.png"))
    # a suspended place's sticker, in English: genuine, not valid
    browser.get(server.url + f"/en/tempat/{district.places['suspended']}")
    browser.find_element(By.NAME, "text").send_keys(sticker(district, district.places["suspended"]))
    submit(browser, "sticker-form")
    r = result(browser)
    assert (r.get_attribute("data-outcome"), r.get_attribute("data-status")) == ("invalid", "suspended")
    assert "NOT VALID (suspended)" in r.text
    browser.save_screenshot(str(shots / "tempat-en-sticker-suspended.png"))


def test_officer_logs_in_reserves_a_bed_and_finds_it_in_the_audit_log(browser, server, shots):
    browser.get(server.url + "/id/isolasi")
    assert browser.current_url.endswith("/id/masuk")  # officers only
    fill(browser, user=OFFICER[0], password=OFFICER[1])
    submit(browser, "login-form")
    assert browser.current_url.endswith("/id/isolasi")
    assert OFFICER[0] in browser.find_element(By.ID, "whoami").text
    fill(browser, lat="-8.2200", lon="114.3650")
    submit(browser, "houses-form")
    rows = browser.find_elements(By.CSS_SELECTOR, "#houses tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == ["11", "13"]  # 12 is full
    browser.save_screenshot(str(shots / "isolasi-id-nearest.png"))
    first = rows[0]
    first.find_element(By.NAME, "patient_ref").send_keys("KASUS-BWI-042")
    click_and_wait(browser, first.find_element(By.CSS_SELECTOR, "button.reserve"))
    r = result(browser)
    assert r.get_attribute("data-outcome") == "reserved" and r.get_attribute("data-house") == "11"
    reservation = r.get_attribute("data-reservation")
    assert "KASUS-BWI-042" in browser.find_element(By.ID, "reservations").text
    browser.save_screenshot(str(shots / "isolasi-id-reserved.png"))
    browser.get(server.url + "/en/audit")
    audit = browser.find_element(By.ID, "audit").text
    assert f"reserve_bed reservation:{reservation}" in audit and OFFICER[0] in audit
    assert "login" in audit
    browser.save_screenshot(str(shots / "audit-en.png"))
    click_and_wait(browser, browser.find_element(By.ID, "logout"))
    browser.get(server.url + "/id/isolasi")
    assert browser.current_url.endswith("/id/masuk")


@pytest.mark.parametrize(
    "lang,title,switch", [("id", "Cek penerima bantuan", "English"), ("en", "Check aid recipients", "Bahasa Indonesia")]
)
def test_pages_in_both_languages(browser, server, shots, lang, title, switch):
    browser.get(server.url + f"/{lang}/cek")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    link = browser.find_element(By.ID, "lang-switch")
    assert link.text == switch
    click_and_wait(browser, link)
    other = "en" if lang == "id" else "id"
    assert browser.current_url.endswith(f"/{other}/cek")
    for page in ("", "cek", "lapor", "tempat", "masuk"):
        browser.get(server.url + f"/{lang}/{page}")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
        size = browser.execute_script("return document.documentElement.outerHTML.length")
        assert size < 8000, (page, size)  # small pages for a cheap phone
        no_outside_requests(browser, server)
    browser.save_screenshot(str(shots / f"lapor-{lang}.png"))
    # the browser's language picks the first page
    browser.get(server.url + "/")
    assert browser.current_url.rstrip("/").rsplit("/", 1)[-1] in ("id", "en")
