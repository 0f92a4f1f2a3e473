#!/usr/bin/env bash
# Webhooks as a subscriber meets them, against a live `radar serve` (fresh embedded store in a
# temporary folder, webhook_private_targets on since the receiver is on this machine):
#
# - a webhook receiver in Python on a free loopback port records every delivery;
# - headless Chromium (Debian's /usr/bin/chromium and /usr/bin/chromedriver, driven by
#   selenium from PyPI) opens /providers/o2-de/subscribe, enters the receiver's URL, submits
#   the form and reads the signing secret shown once;
# - an incident is declared and a statement added through the operator API;
# - every delivery must verify with the `standardwebhooks` package (PyPI, the reference
#   implementation of the Standard Webhooks spec), and the receiver must have got the
#   declaration and the statement. Anything else fails.
#
#   tests/webhooks/run.sh
#
# RADAR_BIN: the radar binary (default target/debug/radar, built if missing).
# WEBHOOKS_VENV: where the clients are installed if missing (default
# ~/.cache/outage-radar/webhooks-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."

standardwebhooks=1.1.0
selenium=4.51.0
venv=$(realpath -m "${WEBHOOKS_VENV:-$HOME/.cache/outage-radar/webhooks-venv}")
source tests/live-server.sh
ensure_venv "$venv" "standardwebhooks==$standardwebhooks" "selenium==$selenium"
for f in /usr/bin/chromium /usr/bin/chromedriver; do
  if [ ! -x "$f" ]; then
    echo "webhooks: $f is missing (apt-get install chromium chromium-driver)"
    echo "webhooks: 0 passed, 1 failed"
    exit 1
  fi
done

export RADAR_WEBHOOK_PRIVATE_TARGETS=true
start_server webhooks

set +e
BASE="$base" TOKEN="$token" WORK="$work" timeout 120 "$venv/bin/python" - <<'PY'
import http.server, json, os, socket, sys, threading, time, urllib.request
from importlib.metadata import version
import standardwebhooks
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, token, work = os.environ["BASE"], os.environ["TOKEN"], os.environ["WORK"]
passed = failed = 0

def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what} {detail}")

print(f"standardwebhooks {version('standardwebhooks')}, selenium {version('selenium')}")

# The receiver: records headers and body of every POST, answers 200.
got = []
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook = f"http://127.0.0.1:{server.server_address[1]}/hooks/outages"

# Subscribe through the page, in headless Chromium.
opts = Options()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run",
          f"--user-data-dir={work}/chromium-profile"):
    opts.add_argument(a)
os.environ["SE_OFFLINE"] = "true"
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)
try:
    driver.set_page_load_timeout(20)
    driver.get(base + "/providers/o2-de/subscribe")
    check("the subscribe page has a form", len(driver.find_elements(By.CSS_SELECTOR, "form input[name=url]")) == 1)
    driver.find_element(By.CSS_SELECTOR, "input[name=channel][value=webhook]").click()
    driver.find_element(By.NAME, "url").send_keys(hook)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    # The click starts the form's navigation and returns at once; wait for the page it loads
    # (on a busy machine it can take a moment) rather than reading the old page.
    secret = WebDriverWait(driver, 20).until(
        EC.presence_of_element_located((By.ID, "secret"))).text.strip()
    manage = driver.find_element(By.ID, "manage").get_attribute("href")
    driver.save_screenshot(f"{work}/subscribed.png")
finally:
    driver.quit()
check("the page shows a whsec_ secret after subscribing", secret.startswith("whsec_"), secret)

def send(method, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status

check("an incident is declared", send("POST", "/api/v1/incidents", {
    "id": "net-1", "provider": "o2-de", "category": "network", "state": "identified",
    "services": ["mobile-data"], "regions": ["DE-BY"],
    "title": {"de": "Störung mobile Daten", "en": "Mobile data outage"}}) == 201)

def incidents():
    out = []
    for h, b in list(got):
        v = json.loads(b)
        if "incident" in v:
            out.append(v["incident"])
    return out

def wait(pred, secs=20):
    end = time.time() + secs
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.2)
    return False

check("the receiver got the declaration", wait(lambda: any(i["id"] == "net-1" for i in incidents())), incidents())
check("a statement is added", send("POST", "/api/v1/incidents/net-1/statements",
    {"text": {"de": "Wir arbeiten daran.", "en": "We are working on it."}}) == 201)
check("the receiver got the statement", wait(lambda: any(
    i["id"] == "net-1" and i["incident_updates"][0]["body"] == "We are working on it." for i in incidents())),
    incidents())

wh = standardwebhooks.Webhook(secret)
bad = []
for h, b in got:
    try:
        wh.verify(b, h)
    except Exception as e:
        bad.append((h.get("webhook-id"), repr(e)))
check(f"every delivery ({len(got)}) verifies with standardwebhooks", got and not bad, bad)
wrong = standardwebhooks.Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
try:
    wrong.verify(got[0][1], got[0][0])
    check("a wrong secret does not verify", False)
except Exception:
    check("a wrong secret does not verify", True)
kinds = sorted({next(k for k in ("incident", "component_update") if k in json.loads(b)) for _, b in got})
print(f"  deliveries: {len(got)}, events {kinds}")

with urllib.request.urlopen(manage, timeout=10) as r:
    page = r.read().decode()
check("the subscription's page shows the delivery log", 'id="log"' in page and "200" in page)

print(f"webhooks: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "---- the end of the server's log:"
  tail -n 30 "$work/serve.log"
fi
exit "$rc"
