#!/usr/bin/env python3
"""End-to-end check (not part of scripts/test): the reference platform's own browser widget,
unchanged, against `handoff-sim serve --public DIR --end-chat-grace 10s`, in headless Chromium.

The widget is not part of this repository: pass the path of your copy of the reference
platform's `client/public/widget.js`. Needs chromium and chromium-driver (Debian packages) and
Selenium (`pip install selenium`). Everything runs on loopback; every wait is bounded.

Usage: scripts/e2e-reference-widget.py WIDGET_JS      (HANDOFF_BIN=path picks another server
       binary; default .build/release/handoff-sim)

Starts the server and a second-origin page embedding the widget (so every call is cross-origin),
then walks the whole flow: greeting, an AI answer, Talk to a Human, pick-up, messages both ways,
a page reload mid-chat (the unload beacon's end-chat must not end the chat), resolve, and the
after-hours email form. Prints PASS/FAIL per step; results, the server log and the browser
console are kept in a temporary directory it names. Exit 0 only if every step passed.
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, traceback, urllib.request, urllib.error

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.support import expected_conditions as EC

if len(sys.argv) != 2 or not os.path.isfile(sys.argv[1]):
    sys.exit("usage: scripts/e2e-reference-widget.py WIDGET_JS (the reference platform's client/public/widget.js)")
BASE_DIR = tempfile.mkdtemp(prefix="handoff-e2e-")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("HANDOFF_BIN", os.path.join(REPO, ".build/release/handoff-sim"))
os.makedirs(f"{BASE_DIR}/public")
shutil.copyfile(sys.argv[1], f"{BASE_DIR}/public/widget.js")
with open(f"{BASE_DIR}/fixtures.yaml", "w") as f:
    f.write("""kind: fixtures
tenants:
  shop:
    name: Shop
    passwordIterations: 1000
    assistant:
      greeting: "Hello from the shop assistant!"
      defaultReply: "I can help with orders."
      rules:
        - {keywords: [ship, shipping], reply: "We ship in 3 days."}
    apiKeys:
      web: embellics_1111111111111111111111111111111111111111111111111111111111111111
    agents:
      ann: {name: Ann Lee, email: ann@shop.test, password: ann-password-1, maxChats: 3}
""")
API_KEY = "embellics_" + "1" * 64
AGENT = {"email": "ann@shop.test", "password": "ann-password-1"}
WAIT = 20

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

P, Q = free_port(), free_port()
API = f"http://127.0.0.1:{P}"
SITE = f"http://127.0.0.1:{Q}/index.html"

results = {}      # step -> {"status": PASS/FAIL, "evidence": [...]}
console = []      # all browser console entries
procs = []

def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)

def http(method, path, body=None, token=None, expect_ok=True):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(API + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read().decode()
            return r.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read().decode()
        try:
            j = json.loads(raw)
        except Exception:
            j = raw
        if expect_ok:
            raise AssertionError(f"{method} {path} -> {e.code} {j}")
        return e.code, j

def login():
    st, j = http("POST", "/api/auth/login", AGENT)
    return j["token"]

def wait_http_ready():
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(API + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("server did not become healthy")

class Step:
    def __init__(self, name):
        self.name = name; self.ev = []
    def __enter__(self):
        log("=== step", self.name); return self
    def e(self, msg):
        log("   ", msg); self.ev.append(msg)
    def __exit__(self, et, ev, tb):
        grab_console()
        if et is None:
            results[self.name] = {"status": "PASS", "evidence": self.ev}
        else:
            self.ev.append("FAILED: " + "".join(traceback.format_exception_only(et, ev)).strip())
            results[self.name] = {"status": "FAIL", "evidence": self.ev}
            log("    FAIL", ev)
            try:
                driver.save_screenshot(f"{BASE_DIR}/fail-{self.name[0]}.png")
                self.ev.append("widget text at failure: " + msgs_text()[-600:])
            except Exception:
                pass
        return True   # continue with next step

def grab_console():
    try:
        for entry in driver.get_log("browser"):
            console.append(entry)
    except Exception:
        pass

def msgs_text():
    return driver.execute_script(
        "var m=document.getElementById('embellics-widget-messages');return m?m.innerText:'';")

def msg_list():
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#embellics-widget-messages .embellics-message'))"
        ".map(d=>d.className.replace('embellics-message ','')+': '+d.textContent);")

def wait_text(txt, timeout=WAIT):
    WebDriverWait(driver, timeout).until(lambda d: txt in msgs_text())

def ls(key):
    return driver.execute_script("return localStorage.getItem(arguments[0]);", key)

def open_widget():
    btn = WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "embellics-widget-button")))
    # container is hidden until /api/widget/init returned and positioning applied
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
        "return document.getElementById('embellics-widget-container').style.visibility") == "visible")
    btn.click()
    WebDriverWait(driver, WAIT).until(lambda d: "open" in d.find_element(By.ID, "embellics-widget-panel").get_attribute("class"))

def send(text):
    inp = WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "embellics-widget-input")))
    inp.send_keys(text)
    driver.find_element(By.ID, "embellics-widget-send").click()

def menu_handoff():
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "embellics-widget-actions-btn"))).click()
    WebDriverWait(driver, WAIT).until(EC.element_to_be_clickable((By.ID, "embellics-menu-handoff"))).click()

def serve_log():
    try:
        return open(f"{BASE_DIR}/serve.log", encoding="utf-8", errors="replace").read()
    except Exception:
        return ""

def serve_lines(pattern):
    return [l for l in serve_log().splitlines() if re.search(pattern, l)]

driver = None
try:
    # ---------- processes ----------
    slog = open(f"{BASE_DIR}/serve.log", "w")
    sp = subprocess.Popen([BIN, "serve", "--port", str(P), "--fixtures", f"{BASE_DIR}/fixtures.yaml",
                           "--public", f"{BASE_DIR}/public", "--end-chat-grace", "10s",
                           "--no-rate-limit", "--log-level", "debug"],
                          stdout=slog, stderr=subprocess.STDOUT)
    procs.append(("server", sp))
    os.makedirs(f"{BASE_DIR}/site", exist_ok=True)
    with open(f"{BASE_DIR}/site/index.html", "w") as f:
        f.write(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Shop test page</title></head>
<body><h1>Shop (origin 127.0.0.1:{Q})</h1>
<script src="http://127.0.0.1:{P}/widget.js" data-api-key="{API_KEY}"></script>
</body></html>
""")
    hp = subprocess.Popen([sys.executable, "-m", "http.server", str(Q), "--bind", "127.0.0.1",
                           "--directory", f"{BASE_DIR}/site"],
                          stdout=open(f"{BASE_DIR}/site.log", "w"), stderr=subprocess.STDOUT)
    procs.append(("http.server", hp))
    wait_http_ready()
    log("server on", API, "site on", SITE)

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,900", "--no-first-run", "--no-default-browser-check"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver", log_output=f"{BASE_DIR}/chromedriver.log")
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)

    ctx = {}

    # ---------- a ----------
    with Step("a greeting") as s:
        driver.get(SITE)
        open_widget()
        wait_text("Hello from the shop assistant!")
        s.e(f"widget messages: {msg_list()}")
        s.e(f"localStorage embellics_chat_id={ls('embellics_chat_id')}")
        ctx["chat1"] = ls("embellics_chat_id")
        s.e("serve.log: " + " | ".join(l[:200] for l in serve_lines(r"/api/widget/(init|chat)")[:4]))
        assert ctx["chat1"], "no chatId stored"

    # ---------- b ----------
    with Step("b ai reply") as s:
        send("Do you ship?")
        wait_text("We ship in 3 days.")
        s.e(f"widget messages: {msg_list()}")
        WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, "embellics-widget-actions-btn")))
        s.e("actions button visible after first reply")

    # ---------- c ----------
    with Step("c handoff+pickup") as s:
        token = login(); ctx["token"] = token
        s.e("agent logged in (token ok)")
        menu_handoff()
        wait_text("An agent will be with you shortly...")
        s.e("widget shows: 'Requesting connection to a human agent...' + 'An agent will be with you shortly...'")
        hid = None
        deadline = time.time() + 10
        while time.time() < deadline and not hid:
            st, pend = http("GET", "/api/widget-handoffs/pending", token=token)
            for h in pend:
                if h.get("chatId") == ctx["chat1"]:
                    hid = h["id"]; s.e(f"pending list has handoff {hid} chatId={h['chatId']} "
                                         f"lastUserMessage={h.get('lastUserMessage')!r} history={h.get('conversationHistory')}")
            if not hid: time.sleep(0.5)
        assert hid, "handoff not in pending list"
        ctx["hid"] = hid
        assert ls("embellics_handoff_id") == hid, f"localStorage handoff id {ls('embellics_handoff_id')} != {hid}"
        st, h = http("POST", f"/api/widget-handoffs/{hid}/pickup", {}, token=token)
        s.e(f"pickup -> {st} status={h.get('status')}")
        t0 = time.time()
        wait_text("has joined the chat", timeout=10)
        s.e(f"widget shows join text after {time.time()-t0:.1f}s: "
            + [m for m in msg_list() if 'joined' in m][0])
        assert "Ann Lee has joined the chat" in msgs_text(), "agent name missing in join text"

    # ---------- d ----------
    with Step("d messages both ways") as s:
        hid, token = ctx["hid"], ctx["token"]
        st, m = http("POST", f"/api/widget-handoffs/{hid}/send-message", {"message": "Hi, I'm Ann"}, token=token)
        s.e(f"send-message -> {st} id={m.get('id')} senderType={m.get('senderType')}")
        wait_text("Hi, I'm Ann", timeout=10)
        s.e("widget shows agent message 'Hi, I'm Ann'")
        send("Thanks")
        found = False
        deadline = time.time() + 10
        while time.time() < deadline and not found:
            st, lst = http("GET", f"/api/widget-handoffs/{hid}/messages", token=token)
            found = any(x.get("senderType") == "user" and x.get("content") == "Thanks" for x in lst)
            if not found: time.sleep(0.5)
        s.e(f"agent messages list: {[(x.get('senderType'), x.get('content')) for x in lst]}")
        assert found, "visitor 'Thanks' not in agent messages"
        time.sleep(2.5)
        dup = sum(1 for t in msg_list() if t == "assistant: Hi, I'm Ann")
        s.e(f"'Hi, I'm Ann' shown {dup} time(s) after 2.5 s of polling")
        assert dup == 1, "agent message duplicated by polling"

    # ---------- e ----------
    with Step("e reload resumes") as s:
        hid, token = ctx["hid"], ctx["token"]
        driver.refresh()
        WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
            "return !!document.getElementById('embellics-widget-button')"))
        open_widget()
        wait_text("Connected to agent - conversation restored")
        restored = msg_list()
        s.e(f"after reload widget messages: {restored}")
        for t in ["Do you ship?", "We ship in 3 days.", "Hi, I'm Ann", "Thanks"]:
            assert any(t in x for x in restored), f"history lacks {t!r}"
        s.e("history restored (Do you ship? / We ship in 3 days. / Hi, I'm Ann / Thanks)")
        s.e("serve.log end-chat lines: " + " | ".join(l[:220] for l in serve_lines(r"end-chat")[-3:]))
        s.e("serve.log history lines: " + " | ".join(l[:220] for l in serve_lines(r"/history")[-2:]))
        time.sleep(15)
        st, j = http("GET", f"/api/widget/handoff/{hid}/status?apiKey={API_KEY}")
        s.e(f"15 s after reload: GET /api/widget/handoff/{hid}/status -> {st} {j}")
        assert j["status"] == "active", "chat not active after grace"
        st, m = http("POST", f"/api/widget-handoffs/{hid}/send-message", {"message": "Still here?"}, token=token)
        s.e(f"send-message 'Still here?' -> {st}")
        wait_text("Still here?", timeout=10)
        time.sleep(2.5)
        lst = msg_list()
        s.e(f"widget messages now: {lst}")
        dups = {t: lst.count(t) for t in set(lst) if lst.count(t) > 1}
        s.e(f"duplicated entries: {dups or 'none'}")
        assert not any("assistant: " in k for k in dups), f"agent messages duplicated after reload: {dups}"

    # ---------- f ----------
    with Step("f agent resolves") as s:
        hid, token = ctx["hid"], ctx["token"]
        st, h = http("POST", f"/api/widget-handoffs/{hid}/resolve", {}, token=token)
        s.e(f"resolve -> {st} status={h.get('status')}")
        wait_text("The agent has ended this conversation. Thank you!", timeout=10)
        s.e("widget shows 'The agent has ended this conversation. Thank you!'")
        s.e(f"localStorage chat_id={ls('embellics_chat_id')} handoff_id={ls('embellics_handoff_id')}")

    # ---------- g ----------
    with Step("g after hours email") as s:
        token = ctx["token"]
        st, j = http("POST", "/api/auth/logout", {}, token=token)
        s.e(f"logout -> {st} {j}")
        # after resolve the widget has no chatId; sending a message starts a new chat
        send("Hello again")
        wait_text("I can help with orders.")
        chat2 = ls("embellics_chat_id")
        s.e(f"new conversation chatId={chat2} (old {ctx.get('chat1')}); default reply shown")
        assert chat2 and chat2 != ctx.get("chat1"), "no new chat id"
        menu_handoff()
        WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, "embellics-handoff-email")))
        s.e("email form shown: " + driver.find_element(By.CSS_SELECTOR, ".embellics-email-form p").text)
        driver.find_element(By.ID, "embellics-handoff-email").send_keys("visitor@example.com")
        driver.find_element(By.ID, "embellics-handoff-message").send_keys("Please call me back")
        driver.find_element(By.CSS_SELECTOR, ".embellics-email-form button").click()
        wait_text("Thank you! We've received your request and will get back to you soon.")
        s.e("widget shows the thanks text; form removed: "
            + str(not driver.find_elements(By.CSS_SELECTOR, ".embellics-email-form")))
        token2 = login()
        st, hist = http("GET", "/api/widget-handoffs/history", token=token2)
        rec = [h for h in hist if h.get("chatId") == chat2]
        s.e("history records for new chat: " + json.dumps(
            [{k: h.get(k) for k in ("id", "status", "userEmail", "userMessage", "lastUserMessage")} for h in rec]))
        assert any(h.get("status") == "after-hours" and h.get("userEmail") == "visitor@example.com" for h in rec), \
            "no after-hours record with the email"
        assert len(rec) == 1, f"expected one history row for the chat, got {len(rec)}"
        st, hist_all = http("GET", "/api/widget-handoffs/history", token=token2)
        s.e("all history: " + json.dumps([(h.get("status"), h.get("chatId")[-8:]) for h in hist_all]))
        http("POST", "/api/auth/logout", {}, token=token2)

    # ---------- h ----------
    with Step("h console + non-2xx") as s:
        time.sleep(1)
        grab_console()
        errs = [c for c in console if c.get("level") in ("SEVERE", "ERROR")]
        cors = [c for c in errs if "CORS" in c.get("message", "") or "Access-Control" in c.get("message", "")]
        warns = [c for c in console if c.get("level") == "WARNING"]
        s.e(f"console entries: {len(console)}, errors: {len(errs)}, CORS errors: {len(cors)}, warnings: {len(warns)}")
        for c in errs + warns:
            s.e(f"console {c['level']}: {c['message'][:300]}")
        json.dump(console, open(f"{BASE_DIR}/console.json", "w"), indent=1)
        bad = [l for l in serve_log().splitlines()
               if (m := re.search(r"http\.status=(\d{3})", l)) and not m.group(1).startswith("2")]
        routes = {}
        for l in serve_log().splitlines():
            m = re.search(r"http\.method=(\S+) http\.route=(\S+) http\.status=(\d+)", l)
            if m: routes[m.groups()] = routes.get(m.groups(), 0) + 1
        s.e("serve.log requests: " + ", ".join(f"{k[0]} {k[1]} {k[2]} x{v}" for k, v in sorted(routes.items())))
        s.e(f"serve.log lines with non-2xx status: {len(bad)}")
        for l in bad[:20]:
            s.e("  " + l)
        assert not cors, "CORS errors in console"
finally:
    try:
        if driver:
            grab_console()
            json.dump(console, open(f"{BASE_DIR}/console.json", "w"), indent=1)
            driver.quit()
    except Exception as ex:
        log("driver quit failed", ex)
    for name, p in reversed(procs):
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
        except Exception:
            p.kill()
        log("stopped", name, "rc", p.returncode)
    json.dump(results, open(f"{BASE_DIR}/results.json", "w"), indent=1)
    print(json.dumps({k: v["status"] for k, v in results.items()}, indent=1))
    print(f"results, server log and browser console: {BASE_DIR}")
    passed = bool(results) and all(v["status"] == "PASS" for v in results.values())
    sys.exit(0 if passed else 1)
