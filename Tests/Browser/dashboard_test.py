"""The dashboard in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) driven with Selenium
against a `junction serve` started here on loopback with a fresh SQLite database.

Checks: a page without a session redirects to the sign-in form; signing in with the admin token lands on the
overview; a connection's page opens from the list with its credentials masked; an event is replayed from its page and
the replay shows; a form posted without its CSRF token is refused; every page carries the Content-Security-Policy
and loads nothing from another origin; no secret appears in any page's HTML; signing out ends the session.
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
import time
import urllib.error
import urllib.parse
import urllib.request

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
    server = subprocess.Popen(
        [executable, "serve", "--port", str(port), "--database", f"sqlite://{folder}/junction.sqlite", "--log-level", "info"],
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
