#!/usr/bin/env python3
"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by PyPI's
`playwright` with `executable_path` set to it), presenting an officer's client certificate
to a real pocd.

Started by Tests/EndToEndTests/DashboardEndToEndTests.swift, which runs the daemon (VN and DE
served locally, hour-long deadlines, the test clock) and passes it in the environment:

  CP_URL          https://127.0.0.1:PORT
  CP_PKI          the test PKI folder (ca.crt, IDENTITY.crt, IDENTITY.key)
  CP_CLOCK_FILE   the daemon's test-clock offset file (milliseconds)
  CP_PID          the daemon's PID (SIGUSR1 makes it fire what the new time makes due)
  CP_SCREENSHOTS  optional: a folder to write the documentation's screenshots to

Each test says what it proves. API calls (Python's ssl with the same certificates) are the
judge of what the page did.
"""
import http.server
import json
import os
import signal
import ssl
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import sync_playwright

URL = os.environ.get("CP_URL", "")
PKI = os.environ.get("CP_PKI", "")
CLOCK_FILE = os.environ.get("CP_CLOCK_FILE", "")
PID = int(os.environ.get("CP_PID", "0") or 0)
SHOTS = os.environ.get("CP_SCREENSHOTS", "")
CHROMIUM = os.environ.get("CP_CHROMIUM", "/usr/bin/chromium")


def cert(identity):
    return os.path.join(PKI, identity + ".crt"), os.path.join(PKI, identity + ".key")


def api(identity, method, path, body=None, headers=None):
    """One HTTPS call with `identity`'s certificate, verifying the daemon against the test CA."""
    ctx = ssl.create_default_context(cafile=os.path.join(PKI, "ca.crt"))
    ctx.load_cert_chain(*cert(identity))
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def request_body(reference="VN-DASH-0001", priority="urgent", kind="preservation", summary="Victims paid for goods never delivered."):
    body = {
        "id": str(uuid.uuid4()), "reference": reference, "from": "VN", "to": "DE", "kind": kind, "priority": priority,
        "language": "en",
        "authority": {"name": "Department of Cybersecurity and High-Tech Crime Prevention", "contact": "duty@example.vn"},
        "offence": {"description": "Computer fraud", "legal_provision": "Art. 290 Criminal Code", "summary": summary,
                    "convention_articles": ["UN-13", "BUD-8"]},
        "data": [{"description": "Subscriber and traffic data of account", "relation_to_offence": "account received the proceeds",
                  "identifiers": [{"type": "email", "value": "x@example.org"}],
                  "period": {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}}],
        "custodian": {"name": "Example Mail GmbH", "location": "DE"}, "necessity": "data is deleted after 30 days",
        "mla_intended": True,
    }
    if kind == "emergency-disclosure":
        body["emergency"] = {"facts": "a threat to kill a named person was posted an hour ago",
                             "data_relevance": "the poster's account data identify the author"}
    return body


def submit(**kw):
    body = request_body(**kw)
    status, view = api("officer.vn.alice", "POST", "/v1/requests", body)
    assert status == 201, (status, view)
    return view


def advance_clock(seconds):
    """Moves the daemon's test clock forward and tells it to fire what fell due."""
    with open(CLOCK_FILE) as f:
        offset = int(f.read().strip() or 0)
    tmp = CLOCK_FILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % (offset + int(seconds * 1000)))
    os.replace(tmp, CLOCK_FILE)
    os.kill(PID, signal.SIGUSR1)


def wait_until(what, predicate, timeout=20.0):
    """Waits for a condition (not a fixed sleep); fails naming it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pw = sync_playwright().start()
        cls.browser = cls.pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.pw.stop()

    def page(self, identity, path="/", width=1280, height=720, locale="en-US"):
        """A fresh browser profile presenting `identity`'s certificate to the daemon only,
        in `locale` (the browser's language, sent as Accept-Language)."""
        crt, key = cert(identity)
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, ignore_https_errors=True, locale=locale,
            client_certificates=[{"origin": URL, "certPath": crt, "keyPath": key}])
        self.addCleanup(context.close)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        self.addCleanup(lambda: self.assertEqual(errors, [], "script errors on the page"))
        if path is not None:
            page.goto(URL + path)
            page.wait_for_selector("#status[data-state=live]", timeout=15000)
        return page

    def shot(self, page, name, full_page=True):
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SHOTS, name + ".png"), full_page=full_page)

    # --- the queue ---
    def test_queue_shows_what_the_api_lists(self):
        for i in range(3):
            submit(reference="VN-DASH-Q%d" % i, priority=["urgent", "routine", "emergency"][i],
                   kind=["preservation", "preservation", "emergency-disclosure"][i])
        page = self.page("officer.de.bob")
        page.wait_for_selector("#queue tr[data-id]")
        status, queue = api("officer.de.bob", "GET", "/v1/queue?limit=500")
        self.assertEqual(status, 200)
        wait_until("the page to show the API's rows", lambda: page.eval_on_selector_all(
            "#queue tr[data-id]", "rows => rows.map(r => r.dataset.id)") == [i["id"] for i in queue["items"]])
        # Time left counts down on the page without a reload.
        first = page.text_content("#queue tr[data-id] .countdown")
        wait_until("the countdown to move", lambda: page.text_content("#queue tr[data-id] .countdown") != first, 5)
        # The filters are the API's.
        page.select_option("#filter-priority", "emergency")
        status, emergencies = api("officer.de.bob", "GET", "/v1/queue?priority=emergency&limit=500")
        wait_until("the filtered rows", lambda: page.eval_on_selector_all(
            "#queue tr[data-id]", "rows => rows.map(r => r.dataset.id)") == [i["id"] for i in emergencies["items"]])
        self.assertIn("priority=emergency", page.url)
        page.select_option("#filter-priority", "")
        page.wait_for_selector("#queue tr[data-id] >> nth=1")
        # And by the offence's convention article, each row showing its own.
        page.select_option("#filter-article", "BUD-8")
        status, classified = api("officer.de.bob", "GET", "/v1/queue?article=BUD-8&limit=500")
        self.assertGreaterEqual(classified["count"], 2)
        wait_until("the rows under BUD-8", lambda: page.eval_on_selector_all(
            "#queue tr[data-id]", "rows => rows.map(r => r.dataset.id)") == [i["id"] for i in classified["items"]])
        self.assertIn("UN-13, BUD-8", page.text_content("#queue tbody"))
        page.select_option("#filter-article", "")
        page.wait_for_selector("#queue tr[data-id] >> nth=1")
        self.shot(page, "queue")

    # --- one request, text from a request is text ---
    def test_script_in_a_request_renders_as_text(self):
        view = submit(reference="<script>window.pwned=1</script>",
                      summary='<img src=x onerror="window.pwned=2"><b>bold?</b>')
        page = self.page("officer.de.bob", "/requests/" + view["id"])
        page.wait_for_selector("#content")
        self.assertIn("<script>window.pwned=1</script>", page.text_content("h1"))
        self.assertIn('<img src=x onerror="window.pwned=2"><b>bold?</b>', page.text_content("#content"))
        self.assertIsNone(page.evaluate("window.pwned"))
        self.assertEqual(page.evaluate("document.scripts.length"), 1, "only the dashboard's own script")
        self.assertEqual(page.locator("#content img").count(), 0)
        self.assertEqual(page.locator("#content b").count(), 0)

    def test_a_request_page_shows_content_deadlines_history_and_links(self):
        first = submit(reference="VN-DASH-LINK")
        body = request_body(reference="VN-DASH-LINK-2")
        body["extends"] = first["id"]
        status, second = api("officer.vn.alice", "POST", "/v1/requests", body)
        self.assertEqual(status, 201, second)
        page = self.page("officer.vn.alice", "/requests/" + first["id"])
        page.wait_for_selector("#content")
        content = page.text_content("#content")
        for text in ["Subscriber and traffic data of account", "x@example.org", "Example Mail GmbH", "data is deleted after 30 days",
                     "Department of Cybersecurity and High-Tech Crime Prevention", "Art. 290 Criminal Code", "2026-10-01T00:00:00Z",
                     "UN-13 — ICT system-related theft or fraud", "BUD-8 — Computer-related fraud"]:
            self.assertIn(text, content)
        self.assertIn("DE (Germany)", page.text_content("main"), "each deadline says who owes it")
        self.assertIn("submitted", page.text_content("ol.timeline"))
        self.assertIn("officer.vn.alice", page.text_content("ol.timeline"))
        self.assertEqual(page.get_attribute('a[href="/requests/%s"]' % second["id"], "href"), "/requests/" + second["id"])
        self.shot(page, "request")
        # Reading the page is in the request's access log (docs/privacy.md §3).
        status, log = api("supervisor.vn.minh", "GET", "/v1/requests/%s/access-log" % first["id"])
        self.assertEqual(status, 200, log)
        self.assertIn("officer.vn.alice", json.dumps(log))

    # --- alerts, live ---
    def test_an_escalation_appears_on_an_open_page_within_two_seconds(self):
        page = self.page("officer.de.bob", "/alerts")
        view = submit(reference="VN-DASH-ESC", priority="emergency", kind="emergency-disclosure")
        status, before = api("officer.de.bob", "GET", "/v1/alerts?limit=10000")
        known = {a["id"] for a in before["alerts"]}
        advance_clock(2 * 3600 + 60)  # acknowledge was due in 1h; level 2 at +1h, level 3 at +2h
        def fired():
            _, now = api("officer.de.bob", "GET", "/v1/alerts?limit=10000")
            return [a for a in now["alerts"] if a["id"] not in known and a["request_id"] == view["id"] and a["level"] >= 2]
        alerts = wait_until("the daemon to fire level 2", fired)
        seen_by_api = time.monotonic()
        page.wait_for_selector('[data-alert-id="%d"]' % alerts[0]["id"], timeout=2000)
        self.assertLess(time.monotonic() - seen_by_api, 2.0)
        self.assertTrue(page.is_visible("#cue"), "a visible cue for level 2 and above")
        self.assertIn("VN-DASH-ESC", page.text_content("#cue"))
        self.assertEqual(page.get_attribute("#status", "data-state"), "live")
        self.shot(page, "alerts")

    def test_the_status_says_when_the_page_is_not_live(self):
        page = self.page("officer.de.bob", "/")
        self.assertTrue(page.text_content("#status").startswith("Live · updated "))
        page.context.set_offline(True)
        page.wait_for_selector("#status[data-state=reconnecting], #status[data-state=down]", timeout=15000)
        self.assertNotIn("Live", page.text_content("#status"))
        page.context.set_offline(False)
        page.wait_for_selector("#status[data-state=live]", timeout=15000)

    # --- languages ---
    def test_the_page_speaks_the_browsers_language_and_arabic_reads_right_to_left(self):
        view = submit(reference="VN-DASH-LANG")
        page = self.page("officer.de.bob", "/", locale="vi-VN")
        page.wait_for_selector("#queue tr[data-id]")
        messages = lambda lang: page.evaluate(
            "(l) => fetch('/v1/session', {headers: {'Accept-Language': l}}).then(r => r.json()).then(s => s.messages)", lang)
        vi = messages("vi")
        self.assertEqual(page.get_attribute("html", "lang"), "vi", "the browser's language")
        self.assertEqual(page.text_content('#nav a[data-page="queue"]'), vi["dash.nav.queue"])
        self.assertNotEqual(vi["dash.nav.queue"], "Queue")
        self.assertEqual(page.input_value("#lang"), "vi")
        # The switcher: Arabic, kept across the reload, laid out right to left.
        page.select_option("#lang", "ar")
        page.wait_for_selector('html[lang="ar"][dir="rtl"]', state="attached")
        page.wait_for_selector("#status[data-state=live]", timeout=15000)
        ar = messages("ar")
        self.assertEqual(page.get_attribute("html", "dir"), "rtl")
        self.assertEqual(page.text_content('#nav a[data-page="alerts"]'), ar["dash.nav.alerts"])
        self.assertEqual(page.evaluate("getComputedStyle(document.body).direction"), "rtl")
        # Codes stay as typed inside the right-to-left page.
        page.goto(URL + "/requests/" + view["id"])
        page.wait_for_selector("#content")
        self.assertIn("VN-DASH-LANG", page.text_content("h1"))
        self.shot(page, "request-ar")
        # Back to English for the profile (the choice is this browser's only).
        page.select_option("#lang", "en")
        page.wait_for_selector('html[lang="en"]', state="attached")

    # --- the wall ---
    def test_the_wall_shows_an_overdue_row_first_and_nothing_to_click(self):
        view = submit(reference="VN-DASH-WALL", priority="emergency", kind="emergency-disclosure")
        advance_clock(3600 + 120)
        wait_until("the request to be overdue", lambda: api("officer.de.bob", "GET", "/v1/requests/" + view["id"])[1]["overdue"])
        page = self.page("supervisor.de.eva", "/wall", 1920, 1080)
        page.wait_for_selector("tr.overdue")
        self.assertTrue(page.evaluate("document.body.classList.contains('wall')"))
        rows = page.eval_on_selector_all("main tr[data-id]", "rows => rows.map(r => [r.dataset.id, r.classList.contains('overdue')])")
        overdue = [r[1] for r in rows]
        self.assertEqual(overdue, sorted(overdue, reverse=True), "overdue rows first")
        self.assertIn(view["id"], [r[0] for r in rows if r[1]])
        self.assertEqual(page.locator("main a, main button, main input, main select").count(), 0, "no interaction")
        self.assertFalse(page.is_visible("#nav"))
        self.assertTrue(page.is_visible("#status"))
        self.shot(page, "wall", full_page=False)

    # --- submitting from the page ---
    def fill_form(self, page, reference):
        page.fill('[name="reference"]', reference)
        page.select_option('[name="to"]', "DE")
        page.select_option('[name="kind"]', "preservation")
        page.select_option('[name="priority"]', "urgent")
        page.fill('[name="authority.name"]', "Department of Cybersecurity")
        page.fill('[name="authority.contact"]', "duty@example.vn")
        page.fill('[name="offence.description"]', "Computer fraud")
        page.fill('[name="data[0].description"]', "Subscriber data of account")
        page.fill('[name="data[0].relation_to_offence"]', "the account received the proceeds")
        page.fill('[name="data[0].identifiers[0].type"]', "email")
        page.fill('[name="data[0].identifiers[0].value"]', "y@example.org")
        page.fill('[name="custodian.name"]', "Example Mail GmbH")
        page.fill('[name="necessity"]', "data is deleted after 30 days")

    def test_submitting_from_the_form(self):
        page = self.page("officer.vn.alice", "/submit")
        page.wait_for_selector("#submit-form")
        self.fill_form(page, "VN-DASH-FORM-1")
        # A treaty-mandatory field left empty is shown at its field, and nothing is sent.
        page.click("#submit-button")
        self.assertEqual(page.text_content('[data-error-for="offence.summary"]'), "required")
        self.assertEqual(page.get_attribute('[name="offence.summary"]', "aria-invalid"), "true")
        self.assertEqual(page.text_content('[data-error-for="offence.convention_articles"]'),
                         "choose at least one article (required for preservation)")
        page.fill('[name="offence.summary"]', "Victims paid for goods never delivered.")
        page.check("#f-article-UN-13")
        page.check("#f-article-BUD-8")
        self.assertTrue(page.is_hidden('[data-error-for="offence.convention_articles"]'))
        # A field only the server can judge: its reason comes back next to the field.
        page.fill('[name="language"]', "not a language!")
        page.click("#submit-button")
        page.wait_for_selector('[data-error-for="language"]:not([hidden])')
        self.assertIn("BCP 47", page.text_content('[data-error-for="language"]'))
        self.shot(page, "submit")
        draft_id = page.evaluate("JSON.parse(localStorage.getItem('contactpoint.draft')).id")
        self.assertEqual(api("officer.vn.alice", "GET", "/v1/requests/" + draft_id)[0], 404, "the refused submit stored nothing")
        # Nothing typed is lost: a reload brings the draft back, with the same id.
        page.reload()
        page.wait_for_selector("#submit-form")
        self.assertEqual(page.input_value('[name="offence.summary"]'), "Victims paid for goods never delivered.")
        self.assertEqual(page.input_value('[name="data[0].identifiers[0].value"]'), "y@example.org")
        self.assertTrue(page.is_checked("#f-article-BUD-8"), "the articles are part of the draft")
        page.fill('[name="language"]', "vi")
        # A double click stores one request.
        with page.expect_navigation(url="**/requests/" + draft_id):
            page.dblclick("#submit-button")
        page.wait_for_selector("#content")
        status, stored = api("officer.vn.alice", "GET", "/v1/requests/" + draft_id)
        self.assertEqual(status, 200, stored)
        self.assertEqual(stored["request"]["language"], "vi")
        self.assertEqual(stored["request"]["data"][0]["identifiers"], [{"type": "email", "value": "y@example.org"}])
        self.assertEqual(stored["request"]["offence"]["convention_articles"], ["UN-13", "BUD-8"])
        _, queue = api("officer.vn.alice", "GET", "/v1/queue?limit=100000")
        self.assertEqual([i["id"] for i in queue["items"] if i["reference"] == "VN-DASH-FORM-1"], [draft_id])
        self.assertIsNone(page.evaluate("localStorage.getItem('contactpoint.draft')"), "the draft is gone once stored")
        # A retry of the same body (a lost answer) is the same request, not a second one.
        retry = page.evaluate("""async (id) => {
            const r = await fetch('/v1/requests', {method: 'POST', headers: {'Content-Type': 'application/json',
              'X-ContactPoint-Request': 'dashboard'}, body: JSON.stringify(Object.assign(%s, {id}))});
            return r.status; }""" % json.dumps({k: v for k, v in stored["request"].items() if k != "id"}), draft_id)
        self.assertEqual(retry, 200)

    def test_the_emergency_block_and_the_art_43_follow_on(self):
        view = submit(reference="VN-DASH-43")
        for action, body in [("acknowledge", None),
                             ("disclose-traffic", {"service_providers": [{"name": "Example Host LLC", "country": "US"}],
                                                   "path_summary": "relayed through a US host"})]:
            status, r = api("officer.de.bob", "POST", "/v1/requests/%s/%s" % (view["id"], action), body)
            self.assertEqual(status, 200, r)
        page = self.page("officer.vn.alice", "/requests/" + view["id"])
        page.click("text=Draft the Art. 43 follow-on request to US")
        page.wait_for_selector("#submit-form")
        self.assertEqual(page.input_value('[name="to"]'), "US")
        self.assertEqual(page.input_value('[name="extends"]'), view["id"])
        self.assertEqual(page.input_value('[name="custodian.name"]'), "Example Host LLC")
        self.assertIn("relayed through a US host", page.input_value('[name="necessity"]'))
        self.assertFalse(page.is_visible("#emergency-block"))
        page.select_option('[name="kind"]', "emergency-disclosure")
        self.assertTrue(page.is_visible("#emergency-block"))
        self.assertEqual(page.input_value('[name="priority"]'), "emergency")
        page.evaluate("localStorage.removeItem('contactpoint.draft')")

    # --- actions ---
    def test_acknowledging_from_the_page(self):
        view = submit(reference="VN-DASH-ACK")
        alice = self.page("officer.vn.alice", "/requests/" + view["id"])
        alice.wait_for_selector("#actions")
        self.assertEqual(alice.locator("[data-action=acknowledge]").count(), 0, "the requesting side cannot acknowledge")
        self.assertEqual(alice.locator("[data-action=withdraw]").count(), 1)
        page = self.page("officer.de.bob", "/requests/" + view["id"])
        page.click("[data-action=acknowledge]")
        page.click("text=Confirm acknowledge")
        wait_until("the page to show acknowledged", lambda: page.text_content("#state") == "acknowledged")
        self.assertEqual(api("officer.de.bob", "GET", "/v1/requests/" + view["id"])[1]["state"], "acknowledged")
        # A validation error from the server is shown at its field.
        page.click("[data-action=refuse]")
        page.select_option('[name="ground"]', "sovereignty")
        page.click("text=Confirm refuse")
        page.wait_for_selector('[data-error-for="reason"]:not([hidden])')
        self.assertIn("required", page.text_content('[data-error-for="reason"]'))
        self.assertEqual(api("officer.de.bob", "GET", "/v1/requests/" + view["id"])[1]["state"], "acknowledged")

    def test_keyboard_reaches_every_action(self):
        view = submit(reference="VN-DASH-KEYS")
        page = self.page("officer.de.bob", "/requests/" + view["id"])
        page.wait_for_selector("#actions button")
        wanted = set(page.eval_on_selector_all("#actions button", "bs => bs.map(b => b.dataset.action)"))
        self.assertEqual(wanted, {"acknowledge", "preserve", "report-no-data", "refuse", "notify-risk"})
        reached = set()
        for _ in range(200):
            page.keyboard.press("Tab")
            action = page.evaluate("document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.action || '' : ''")
            if action:
                reached.add(action)
            if reached == wanted:
                break
        self.assertEqual(reached, wanted)
        # Enter opens the focused action's form and puts the focus in it.
        page.focus("[data-action=preserve]")
        page.keyboard.press("Enter")
        self.assertEqual(page.evaluate("document.activeElement.name"), "provider_reference")
        # Every control has a label.
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
            .filter(i => !(i.labels && i.labels.length) && !i.getAttribute('aria-label')).map(i => i.name || i.id)""")
        self.assertEqual(unlabelled, [])

    # --- safe in a browser ---
    def test_a_cross_site_form_post_with_the_certificate_is_refused(self):
        view = submit(reference="VN-DASH-CSRF")
        target = URL + "/v1/requests/%s/acknowledge" % view["id"]
        # No field: the body is empty, which acknowledge accepts from a client that is not a browser.
        evil = ('<!doctype html><form id=f method=POST enctype="text/plain" action="%s"></form>'
                '<script>document.getElementById("f").submit()</script>') % target

        class Evil(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = evil.encode() if self.path == "/" else b"<!doctype html><p>another site</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Evil)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        page = self.page("officer.de.bob", None)
        with page.expect_navigation(url=target):
            page.goto("http://127.0.0.1:%d/" % server.server_port)
        body = page.text_content("body")
        self.assertIn("cross-site-request", body)
        self.assertEqual(api("officer.de.bob", "GET", "/v1/requests/" + view["id"])[1]["state"], "delivered", "nothing changed")
        # A script on that site fares no better (no-cors fetch carrying the certificate).
        page.goto("http://127.0.0.1:%d/plain" % server.server_port)
        page.evaluate("u => fetch(u, {method: 'POST', mode: 'no-cors', credentials: 'include'}).then(() => 1, () => 0)", target)
        self.assertEqual(api("officer.de.bob", "GET", "/v1/requests/" + view["id"])[1]["state"], "delivered", "nothing changed")

    def test_compliance_is_drawn_from_the_log(self):
        view = submit(reference="VN-DASH-COMP")
        status, r = api("officer.de.bob", "POST", "/v1/requests/%s/acknowledge" % view["id"])
        self.assertEqual(status, 200, r)
        page = self.page("supervisor.de.eva", "/compliance")
        page.wait_for_selector("svg[role=img]")
        self.assertGreaterEqual(page.locator("svg[role=img]").count(), 4)
        _, stats = api("supervisor.de.eva", "GET", "/v1/stats/compliance")
        win = [w for w in stats["windows"] if w["days"] == 30][0]
        self.assertIn("%d requests" % win["time_to_acknowledge"]["us"]["count"], page.text_content("main"))
        un13 = [a for a in win["articles"] if a["article"] == "UN-13"][0]
        self.assertGreaterEqual(un13["incoming"], 1)
        row = page.locator('#by-article tr[data-article="UN-13"]')
        self.assertEqual(row.locator("td").nth(2).text_content(), str(un13["incoming"]))
        self.assertIn("ICT system-related theft or fraud", row.text_content())
        page.click("text=7 days")
        self.assertEqual(page.get_attribute('.tabs button[data-days="7"]', "aria-pressed"), "true")
        self.shot(page, "compliance")


if __name__ == "__main__":
    unittest.main(verbosity=2)
