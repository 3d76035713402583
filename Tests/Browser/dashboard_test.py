"""The dashboard in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) driven with Selenium
against a `junction serve` started here on loopback with a fresh SQLite database.

Checks: a page without a session redirects to the sign-in form; signing in with the admin token lands on the
overview; a connection's page opens from the list with its credentials masked; an event is replayed from its page and
the replay shows; a failed delivery is retried from its endpoint's page and the new attempt shows; a sync is run now
and its run shows; a conflict is resolved by taking one field from each side, and the provider gets that record; a
form posted without its CSRF token is refused; every page carries the Content-Security-Policy and loads nothing from
another origin; no secret appears in any page's HTML; signing out ends the session. Peers: the Ledger fixture
(Tests/Peers/sync_fixture.py) for the sync, and a receiver here that fails its first two deliveries.
Screenshots of each page go to $SCREENSHOT_DIR (default .build/screenshots).

Usage: dashboard_test.py PATH_TO_JUNCTION
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ADMIN_TOKEN = "jct_browser_test_admin_token_value"
API_KEY = "sk_test_browser_secret_key_4242"
WEBHOOK_SECRET = "whsec_browser_webhook_secret"
SECRETS = [ADMIN_TOKEN, API_KEY, WEBHOOK_SECRET]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(method, url, body=None, headers=None, follow=True):
    """(status, headers, text) of one request; errors are answers too."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def api(base, method, path, payload=None):
    status, _, text = http(method, base + path, json.dumps(payload) if payload is not None else None,
                           {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})
    if status >= 300:
        raise RuntimeError(f"{method} {path}: {status} {text}")
    return json.loads(text) if text else None


def wait_for(condition, seconds=10):
    """Waits for a navigation a click started (Selenium's click returns before the next page has loaded)."""
    deadline = time.time() + seconds
    while time.time() < deadline and not condition():
        time.sleep(0.05)


class FailingReceiver(BaseHTTPRequestHandler):
    """An application endpoint that answers 500 to its first two deliveries and 200 after."""
    received = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        FailingReceiver.received.append(self.headers.get("webhook-id"))
        status = 500 if len(FailingReceiver.received) <= 2 else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no")


def start_peer(script):
    """A Python peer of Tests/Peers on loopback: (process, base URL)."""
    peer = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "..", "Peers", script)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = peer.stdout.readline()
    return peer, f"http://127.0.0.1:{int(line.split()[1])}"


def stripe_signature(body, secret):
    timestamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def main():
    executable = os.path.abspath(sys.argv[1])
    shots = os.environ.get("SCREENSHOT_DIR", ".build/screenshots")
    os.makedirs(shots, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="junction-browser-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(folder, "server.log"), "w")
    ledger, ledger_url = start_peer("sync_fixture.py")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), FailingReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    definitions = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Peers", "connectors")
    server = subprocess.Popen(
        [executable, "serve", "--port", str(port), "--database", f"sqlite://{folder}/junction.sqlite", "--log-level", "info",
         "--allow-private-endpoints", "--connector-definitions", definitions, "--job-lease-seconds", "5"],
        env={**os.environ, "JUNCTION_ADMIN_TOKEN": ADMIN_TOKEN}, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    driver = None
    try:
        for _ in range(200):
            try:
                if http("GET", base + "/health/live")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        # What the pages will show: a connection with credentials, and a verified webhook event it received.
        connection = api(base, "POST", "/api/v1/connections", {
            "provider": "stripe", "name": "Billing (browser test)", "tenant": "acme",
            "credentials": {"apiKey": API_KEY, "webhookSecret": WEBHOOK_SECRET}})
        body = json.dumps({"id": "evt_browser_1", "object": "event", "type": "customer.created", "created": int(time.time()),
                           "data": {"object": {"id": "cus_browser", "email": "ada@example.com"}}})
        status, _, _ = http("POST", f"{base}/webhooks/{connection['id']}", body,
                            {"Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET), "Content-Type": "application/json"})
        check(status == 200, f"the webhook was accepted ({status})")

        # An endpoint whose first two deliveries fail: with one retry, the message's delivery ends failed.
        endpoint = api(base, "POST", "/api/v1/endpoints", {
            "url": f"http://127.0.0.1:{receiver.server_address[1]}/hooks/app", "eventTypes": ["app.*"], "retrySchedule": [1]})
        message = api(base, "POST", "/api/v1/messages", {"eventType": "app.invoice.paid", "payload": {"invoice": "in_1"}})

        # A two-way sync of the Ledger fixture's accounts, and a record both sides then change in the same two fields.
        http("POST", ledger_url + "/_admin/upsert", json.dumps({"records": [{"id": "acc_1", "name": "Ada", "balance": 10}]}),
             {"Content-Type": "application/json"})
        ledger_connection = api(base, "POST", "/api/v1/connections", {
            "provider": "ledger", "name": "Ledger", "settings": {"baseURL": ledger_url}, "credentials": {"apiKey": "ledger-fixture-token"}})
        sync = api(base, "POST", "/api/v1/syncs", {
            "connectionId": ledger_connection["id"], "resource": "accounts", "schedule": {"every": "1h"},
            "direction": "bidirectional", "conflictPolicy": "manual"})
        api(base, "POST", f"/api/v1/syncs/{sync['id']}/run")
        for _ in range(150):
            runs = api(base, "GET", f"/api/v1/syncs/{sync['id']}/runs?limit=1")["data"]
            if runs and runs[0]["status"] == "succeeded":
                break
            time.sleep(0.2)
        http("POST", ledger_url + "/_admin/upsert", json.dumps({"records": [{"id": "acc_1", "name": "Ada (provider)", "balance": 20}]}),
             {"Content-Type": "application/json"})
        api(base, "PATCH", f"/api/v1/syncs/{sync['id']}/records/acc_1", {"name": "Ada (app)", "balance": 30})
        conflicts = []
        for _ in range(150):
            conflicts = api(base, "GET", f"/api/v1/conflicts?syncId={sync['id']}&status=open")["data"]
            if conflicts:
                break
            time.sleep(0.2)
        check(len(conflicts) == 1, f"the same two fields changed on both sides open one conflict ({conflicts})")
        for _ in range(150):
            if api(base, "GET", f"/api/v1/messages/{message['id']}")["deliveries"][0]["status"] == "failed":
                break
            time.sleep(0.2)

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(20)

        def visit(path, shot=None):
            driver.get(base + path)
            html = driver.page_source
            for secret in SECRETS:
                check(secret not in html, f"{path}: a secret appears in the page")
            # Everything the page loaded came from this origin.
            resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            for resource in resources:
                check(resource.startswith(base + "/"), f"{path} loaded {resource} from another origin")
            if shot:
                driver.save_screenshot(os.path.join(shots, shot))
            return html

        # Without a session: redirected to sign in, and back to the page asked for after.
        visit("/ui/connections")
        check(driver.current_url.startswith(base + "/ui/login"), f"no session redirects to sign-in ({driver.current_url})")
        driver.save_screenshot(os.path.join(shots, "login.png"))
        driver.find_element(By.NAME, "token").send_keys("not-the-token")
        driver.find_element(By.CSS_SELECTOR, "form[action='/ui/login'] button").click()
        wait_for(lambda: "That is not the admin token" in driver.page_source)
        check("That is not the admin token" in driver.page_source, "a wrong token is refused with a message")
        driver.find_element(By.NAME, "token").send_keys(ADMIN_TOKEN)
        driver.find_element(By.CSS_SELECTOR, "form[action='/ui/login'] button").click()
        wait_for(lambda: not driver.current_url.startswith(base + "/ui/login"))
        check(driver.current_url.startswith(base + "/ui/connections"), f"signing in returns to the page asked for ({driver.current_url})")
        session = driver.get_cookie("junction_session")
        check(session is not None and session.get("httpOnly") and session.get("sameSite") == "Strict",
              f"the session cookie is HttpOnly and SameSite=Strict ({session})")

        html = visit("/ui", "overview.png")
        check("Overview" in html and "events in, 24 h" in html and "<svg" in html, "the overview shows its figures and charts")

        # A connection's page from the list, credentials masked as the API masks them.
        visit("/ui/connections", "connections.png")
        driver.find_element(By.LINK_TEXT, "Billing (browser test)").click()
        wait_for(lambda: f"/ui/connections/{connection['id']}" in driver.current_url)
        check(f"/ui/connections/{connection['id']}" in driver.current_url, "the list links to the connection's page")
        html = visit(f"/ui/connections/{connection['id']}", "connection.png")
        check("Credentials" in html and "…4242" in html, "the connection page shows its credentials masked")

        # An event, replayed from its page.
        visit("/ui/events", "events.png")
        driver.find_element(By.PARTIAL_LINK_TEXT, "evt_").click()
        wait_for(lambda: "/ui/events/evt_" in driver.current_url)
        event_url = driver.current_url
        for _ in range(100):
            if "status: processed" in driver.page_source or "event-processed" in driver.page_source:
                break
            time.sleep(0.2)
            driver.refresh()
        driver.find_element(By.CSS_SELECTOR, "form[action$='/replay'] button").click()
        wait_for(lambda: "notice=replayed" in driver.current_url)
        check("Replay queued" in driver.page_source, "replaying an event says so")
        for _ in range(100):
            driver.get(event_url)
            if "(replays: 1)" in driver.page_source:
                break
            time.sleep(0.2)
        check("(replays: 1)" in driver.page_source, "the replay shows on the event's page")
        visit(urllib.parse.urlparse(event_url).path, "event.png")

        visit("/ui/alerts", "alerts.png")

        # A failed delivery, retried from its endpoint's page: the new attempt shows, answered 200.
        visit("/ui/endpoints", "endpoints.png")
        driver.find_element(By.PARTIAL_LINK_TEXT, "127.0.0.1").click()
        wait_for(lambda: f"/ui/endpoints/{endpoint['id']}" in driver.current_url)
        html = visit(f"/ui/endpoints/{endpoint['id']}", "endpoint.png")
        check(html.count("event-failed") >= 2 and "/hooks/app" not in html, "the endpoint page lists the failed attempts, its URL's path masked")
        driver.find_element(By.CSS_SELECTOR, "form[action$='/retry'] button").click()
        wait_for(lambda: "notice=retried" in driver.current_url)
        check("1 failed deliveries scheduled again" in driver.page_source, "retrying says what was scheduled")
        for _ in range(100):
            driver.get(f"{base}/ui/endpoints/{endpoint['id']}")
            if ">200<" in driver.page_source:
                break
            time.sleep(0.2)
        check(">200<" in driver.page_source, "the new attempt shows on the endpoint's page, answered 200")
        visit(f"/ui/messages/{message['id']}", "message.png")

        # A sync run now from the list: its new run shows on its page.
        runs_before = len(api(base, "GET", f"/api/v1/syncs/{sync['id']}/runs")["data"])
        visit("/ui/syncs", "syncs.png")
        driver.find_element(By.CSS_SELECTOR, f"form[action='/ui/syncs/{sync['id']}/run'] button").click()
        wait_for(lambda: "notice=run-queued" in driver.current_url)
        check("Run queued" in driver.page_source, "running a sync now says so")
        for _ in range(100):
            if len(api(base, "GET", f"/api/v1/syncs/{sync['id']}/runs")["data"]) > runs_before:
                break
            time.sleep(0.2)
        html = visit(f"/ui/syncs/{sync['id']}", "sync.png")
        check(html.count("run-") >= runs_before + 1, "the new run shows on the sync's page")

        # The conflict: the application's name and the provider's balance, resolved from the page.
        visit("/ui/conflicts", "conflicts.png")
        if conflicts:
            driver.find_element(By.LINK_TEXT, conflicts[0]["id"]).click()
            wait_for(lambda: "/ui/conflicts/" in driver.current_url)
            visit(f"/ui/conflicts/{conflicts[0]['id']}", "conflict.png")
            driver.find_element(By.CSS_SELECTOR, "input[name='take.name'][value='local']").click()
            driver.find_element(By.CSS_SELECTOR, "input[name='take.balance'][value='remote']").click()
            driver.find_element(By.CSS_SELECTOR, "form[action$='/resolve'] button").click()
            wait_for(lambda: "notice=resolved" in driver.current_url)
            check("Resolved" in driver.page_source, "resolving says so")
            account = {}
            for _ in range(150):
                accounts = json.loads(http("GET", ledger_url + "/_admin/accounts")[2])
                account = next((a for a in accounts.get("data", []) if a.get("id") == "acc_1"), {})
                if account.get("name") == "Ada (app)":
                    break
                time.sleep(0.2)
            check(account.get("name") == "Ada (app)" and account.get("balance") == 20,
                  f"the provider has the local name and its own balance after the resolution ({account})")

        visit("/ui/jobs", "jobs.png")

        # Headers every page carries, and a form without its CSRF token, sent with the signed-in session's cookie.
        cookie = f"junction_session={session['value']}"
        status, headers, _ = http("GET", base + "/ui", headers={"Cookie": cookie})
        policy = headers.get("Content-Security-Policy", "")
        check(status == 200 and "default-src 'none'" in policy and "script-src 'self'" in policy, f"the CSP header is present ({policy})")
        event_path = urllib.parse.urlparse(event_url).path
        status, _, text = http("POST", base + event_path + "/replay", "csrf=wrong", {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, follow=False)
        check(status == 403 and "security token" in text, f"a form with a wrong CSRF token is refused ({status})")
        status, _, _ = http("POST", base + event_path + "/replay", "", {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, follow=False)
        check(status == 403, f"a form without a CSRF token is refused ({status})")

        # Signing out ends the session: its cookie opens nothing afterwards.
        driver.get(base + "/ui")
        driver.find_element(By.CSS_SELECTOR, "form[action='/ui/logout'] button").click()
        wait_for(lambda: "/ui/login" in driver.current_url)
        check(driver.current_url.startswith(base + "/ui/login"), "signing out lands on the sign-in form")
        status, headers, _ = http("GET", base + "/ui", headers={"Cookie": cookie}, follow=False)
        check(status == 303 and headers.get("Location", "").startswith("/ui/login"), f"a revoked session is sent to sign in ({status})")
    finally:
        if driver:
            driver.quit()
        receiver.shutdown()
        ledger.terminate()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        server_log = open(os.path.join(folder, "server.log")).read()
        for secret in SECRETS:
            check(secret not in server_log, "a secret appears in the server's log")
        if failures:
            print(server_log[-4000:], file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    if failures:
        print(f"dashboard browser test: {len(failures)} failures", file=sys.stderr)
        sys.exit(1)
    print(f"dashboard browser test: passed; screenshots in {shots}")


if __name__ == "__main__":
    main()
