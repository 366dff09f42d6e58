# SPDX-License-Identifier: MIT
"""tests/report/cdp.py — drives headless Chromium through its DevTools
protocol over --remote-debugging-pipe (Chromium reads commands on fd 3 and
writes replies and events on fd 4, each message a JSON text ended by a NUL
byte), with Python's standard library only: no npm, no driver download.
One Browser, one page: open a file:// URL, evaluate expressions, click and
hover with real mouse events, take screenshots, and collect everything that
counts as a failure (console errors, uncaught exceptions, error log
entries, dialogs such as alert(), and any request other than the page
itself). Environment: CHROMIUM (default: chromium on PATH). See
docs/report.md#tests."""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
    "--mute-audio", "--remote-debugging-pipe",
]


def chromium_path():
    """The browser to use, or an AssertionError that says how to get it (never a skip)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError("chromium not found (set CHROMIUM, or apt-get install chromium): "
                             "the report's browser tests need it")
    return path


class Browser:
    def __init__(self, width=1400, height=1000, timeout=60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="hs-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # fds 3 and 4 in the child, through a shell's redirections
        cmd = ["/bin/sh", "-c", 'exec "$0" "$@" 3<&%d 4>&%d' % (to_chrome_r, from_chrome_w),
               chromium_path()] + FLAGS + ["--user-data-dir=" + self.profile, "about:blank"]
        self.log = open(os.path.join(self.profile, "chromium.log"), "w+")
        self.proc = subprocess.Popen(cmd, pass_fds=(to_chrome_r, from_chrome_w),
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.failures = []
        self.page_url = None
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    # ---- the pipe ----
    def _send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.to_chrome, data)
            data = data[n:]

    def _read_one(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("chromium did not answer in time; its log:\n" + self.chromium_log())
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if not r:
                continue
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise AssertionError("chromium closed the pipe; its log:\n" + self.chromium_log())
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def _event(self, msg):
        self.events.append(msg)
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.failures.append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.failures.append("uncaught exception: %s %s" % (
                d.get("text", ""), d.get("exception", {}).get("description", "")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            self.failures.append("log error: %s (%s)" % (p["entry"].get("text"), p["entry"].get("url", "")))
        elif m == "Page.javascriptDialogOpening":
            self.failures.append("a dialog opened (%s): %r" % (p.get("type"), p.get("message")))
            self._send({"id": -1, "method": "Page.handleJavaScriptDialog", "params": {"accept": False},
                        "sessionId": self.session})
        elif m == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if url != self.page_url and not url.startswith("data:") and url != "about:blank":
                self.failures.append("the page requested %s" % url)

    def call(self, method, params=None, timeout=None):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        self._send(msg)
        deadline = time.time() + (timeout or self.timeout)
        while True:
            r = self._read_one(deadline)
            if r.get("id") == mid:
                if "error" in r:
                    raise AssertionError("%s failed: %s" % (method, r["error"]))
                return r.get("result", {})
            if "method" in r:
                self._event(r)

    def pump(self, seconds):
        """Handle events for a while (lets timers, paints and late errors arrive)."""
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([self.from_chrome], [], [], max(0, end - time.time()))
            if r or b"\0" in self.buf:
                try:
                    msg = self._read_one(time.time() + 5)
                except AssertionError:
                    return
                if "method" in msg:
                    self._event(msg)

    # ---- the page ----
    def open(self, path):
        self.page_url = "file://" + os.path.abspath(path)
        self.call("Page.navigate", {"url": self.page_url})
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.eval("!!(window.heapsnapReport && window.heapsnapReport.ready)") is True:
                self.pump(0.3)
                return
            if self.failures:
                break
            self.pump(0.1)
        raise AssertionError("the report did not become ready: %s" % (self.failures or "timeout"))

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise AssertionError("evaluating %r threw: %s" % (expr, r["exceptionDetails"]))
        return r.get("result", {}).get("value")

    def center(self, selector_expr):
        """Scroll the element (a JS expression) into view; its centre in viewport pixels."""
        box = self.eval("(function(){var e=%s; if(!e) return null; e.scrollIntoView({block:'center'});"
                        "var r=e.getBoundingClientRect(); return [r.left+r.width/2, r.top+r.height/2, r.width, r.height];})()"
                        % selector_expr)
        if not box:
            raise AssertionError("no element for %s" % selector_expr)
        return box

    def mouse(self, kind, x, y, button="none", clicks=0):
        self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": button, "clickCount": clicks})

    def click(self, x, y):
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y, "left", 1)
        self.mouse("mouseReleased", x, y, "left", 1)
        self.pump(0.1)

    def screenshot(self, path, full=False):
        params = {"format": "png"}
        if full:
            m = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update({"captureBeyondViewport": True,
                           "clip": {"x": 0, "y": 0, "width": m["width"], "height": min(m["height"], 12000), "scale": 1}})
        data = base64.b64decode(self.call("Page.captureScreenshot", params)["data"])
        with open(path, "wb") as f:
            f.write(data)
        return path

    def chromium_log(self):
        try:
            self.log.flush()
            with open(self.log.name) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def close(self):
        try:
            if self.session is not None:
                self.session = None
                self._send({"id": 999999, "method": "Browser.close"})
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_chrome, self.from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
