#!/usr/bin/env python3
"""The bench of issue 14: starts invoicebox-sim, pms-host (release build, the real plugin .so)
and the bare Beast server on loopback, seeds the demo hotel through the host's own API, runs
interleaved rounds and prints ONE table: for every row the median and min-max over the rounds of
the baseline, of the figure, and of their ratio (each ratio taken within its round, so slow
drift of a shared machine hits both sides alike).

Run it through scripts/bench.sh (it builds first). Knobs are environment variables, see
bench/README.md. Python's standard library only: the heavy lifting (floods, probes) is done by
bench-load, a C++ program, so the interpreter's speed never limits a figure.
"""

import collections
import hashlib
import hmac
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PLUGIN = "ru.invoicebox.pms.payment-link"
BUTTON = "invoicebox"
PROPERTY = "1"
BOOKING = "471887"
FOLIO_NUMBER = "30682277"
# Bench-only credentials of the simulated shops (loopback only). The second shop serves the
# start-up host, so that its recovery poll never spends the main shop's rate-limit window.
MERCHANT = "6b0e1d2c-3a4b-4c5d-8e6f-7a8b9c0d1e21"
TOKEN = "benchtok0a1b2c3d4e5f60718293a4b5c6"
API_KEY = "bench-signature-key-1"
MERCHANT2 = "6b0e1d2c-3a4b-4c5d-8e6f-7a8b9c0d1e22"
TOKEN2 = "benchtok1a1b2c3d4e5f60718293a4b5c6"
API_KEY2 = "bench-signature-key-2"
IDS_PER_LIST_READ = 50  # invoicebox_plugin/plugin/src/link_service.cpp: ids_per_list_read
POOLED_CONNECTIONS = 4  # pms::net::ClientOptions::max_idle_per_origin, the host's keep-alive pool
SHOP_LIMIT = 100        # InvoiceBox: 100 requests per 30 s per shop (§1.5)


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


def env_float(name, default):
    v = os.environ.get(name, "")
    return float(v) if v.strip() else default


def median_range(values, fmt="{:.1f}"):
    """"median (min–max)" of `values`, each formatted with `fmt` (the A/B scripts' summary lines)."""
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def script_args(doc, defaults):
    """<build> <source> and the optional positional numbers of an A/B script (poll_passes.py,
    replay_floods.py), each converted like its default; None (after printing `doc`) when the
    first two are missing."""
    if len(sys.argv) < 3:
        print(doc, file=sys.stderr)
        return None
    rest = [type(d)(a) for d, a in zip(defaults, sys.argv[3:])]
    return [sys.argv[1], sys.argv[2]] + rest + list(defaults[len(rest):])


QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = env_int("BENCH_ROUNDS", 1 if QUICK else 5)
SECONDS = env_float("BENCH_SECONDS", 2 if QUICK else 20)
CONNECTIONS = env_int("BENCH_CONNECTIONS", 4 if QUICK else 16)
SMALL_CONNECTIONS = 4  # first deliveries and the many-views run: a provider sends few at once
FIRST = env_int("BENCH_FIRST", 8 if QUICK else 200)           # first deliveries per round
VIEWS = env_int("BENCH_VIEWS", 20 if QUICK else 1000)         # view sessions of the views row
STORM = env_int("BENCH_STORM", 10 if QUICK else 200)          # concurrent refreshes
STORM_LATENCY_MS = env_int("BENCH_STORM_LATENCY_MS", 2000)
POLL_LATENCY_MS = env_int("BENCH_POLL_LATENCY_MS", 2)
LINKS = env_int("BENCH_LINKS", 10 if QUICK else 100)          # links on the folio at least
POLL_LINKS = env_int("BENCH_POLL_LINKS", 300 if QUICK else 10000)  # open links of the polling phase
POLL_FOLIOS = env_int("BENCH_POLL_FOLIOS", 4 if QUICK else 20)  # folios they spread over
POLL_MIN = env_int("BENCH_POLL_MIN", 5 if QUICK else 20)      # links left open for the rounds' poll row
SEED_THREADS = 4  # concurrent creates while seeding with the limit off (the host groups their commits)
PROBE_INTERVAL_MS = env_int("BENCH_PROBE_INTERVAL_MS", 10)
FSYNC_SAMPLES = env_int("BENCH_FSYNC_SAMPLES", 20 if QUICK else 200)  # fdatasync calls timed per round
MICRO_MIN_TIME = env_float("BENCH_MICRO_MIN_TIME", 0.02 if QUICK else 0.5)
MIGRATION_ROWS = env_int("BENCH_MIGRATION_ROWS", 500 if QUICK else 100000)  # pms.store rows migrated
MIGRATION_VALUE_BYTES = 2400  # the plugin's link record, its create request included
HOST_THREADS = env_int("BENCH_HOST_THREADS", 0)  # pms-host --threads; 0: the host's default
# Heaps of pms-host: MALLOC_ARENA_MAX (glibc) and MALLOC_CONF=narenas:N (jemalloc, what release
# builds link) in its environment, so the knob holds whichever allocator the host runs; 0: the
# host's own choice, one (host_stub/app/allocator.hpp says why: issue 11's flat memory).
HOST_ARENAS = env_int("BENCH_MALLOC_ARENA_MAX", 0)


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- processes ---------------------------------------------------------------------------------

def host_env():
    """What pms-host gets on top of the bench's environment (BENCH_MALLOC_ARENA_MAX)."""
    return {"MALLOC_ARENA_MAX": str(HOST_ARENAS), "MALLOC_CONF": f"narenas:{HOST_ARENAS}"} if HOST_ARENAS else None


class Child:
    """A child process in its own process group with stderr to a file; the first stdout line
    is read (both programs print their URL there once they accept connections)."""

    def __init__(self, args, stderr_path, name, wait_first_line=True, env=None):
        self.name = name
        self.stderr = open(stderr_path, "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr,
                                     start_new_session=True,
                                     env=None if env is None else {**os.environ, **env})
        self.first_line = ""
        if wait_first_line:
            self.first_line = self.proc.stdout.readline().decode().strip()
            if not self.first_line:
                raise RuntimeError(f"{name} exited before its first line; see {stderr_path}")
        # Keep draining stdout so that the child never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            for _ in self.proc.stdout:
                pass
        except (OSError, ValueError):
            pass

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.stderr.close()


class LogTail:
    """Timestamps the simulator's request log lines as they appear (it prints none itself):
    the bench counts InvoiceBox requests, 429s and requests per 30 s window from it."""

    def __init__(self, path):
        self.path = path
        self.lines = []  # (monotonic time, line)
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        pos = 0
        partial = b""
        while not self.stopped:
            try:
                with open(self.path, "rb") as f:
                    f.seek(pos)
                    data = f.read()
                    pos += len(data)
            except FileNotFoundError:
                data = b""
            if data:
                now = time.monotonic()
                parts = (partial + data).split(b"\n")
                partial = parts.pop()
                with self.lock:
                    self.lines.extend((now, p.decode(errors="replace")) for p in parts)
            time.sleep(0.002)

    def mark(self):
        with self.lock:
            return len(self.lines)

    def since(self, mark):
        with self.lock:
            return list(self.lines[mark:])


def api_requests(lines, what=""):
    """Merchant API requests (not /__sim) among the simulator's log lines."""
    return [(t, l) for t, l in lines if (" /v3/" in l or " /l3/" in l) and what in l]


# ---- HTTP --------------------------------------------------------------------------------------

class Http:
    """A small keep-alive client that behaves like the host's web UI: the session cookie, JSON
    bodies and the host's own Origin on state changes."""

    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.base = base.rstrip("/")
        self.host, self.port = u.hostname, u.port
        self.conn = None
        self.cookie = ""

    def request(self, method, path, body=None, headers=None, timeout=120):
        data = None
        h = {"Host": f"{self.host}:{self.port}"}
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            h["Content-Type"] = "application/json"
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            h["Origin"] = self.base
            h.setdefault("Content-Type", "application/json")
            if data is None:
                data = b"{}"
        if self.cookie:
            h["Cookie"] = self.cookie
        h.update(headers or {})
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        set_cookie = r.getheader("Set-Cookie") or ""
        if set_cookie.startswith("pms_session="):
            self.cookie = set_cookie.split(";")[0]
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        return r.status, doc, raw

    def ok(self, method, path, body=None, what=""):
        status, doc, raw = self.request(method, path, body)
        if status != 200:
            raise RuntimeError(f"{what or method + ' ' + path}: HTTP {status}: {raw[:600]!r}")
        return doc


def sign(key, body):
    return hmac.new(key.encode(), body.encode(), hashlib.sha1).hexdigest()


# ---- the load generator ------------------------------------------------------------------------

class Load:
    def __init__(self, exe, workdir):
        self.exe = exe
        self.workdir = workdir
        self.n = 0

    def requests_file(self, items):
        self.n += 1
        path = os.path.join(self.workdir, f"requests-{self.n}.jsonl")
        with open(path, "w") as f:
            for it in items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        return path

    def start(self, url, requests, connections, duration, count=None, interval_ms=0, expect="",
              headers=()):
        # Extra headers (the session cookie, Origin) go into the requests file, never on the
        # command line, where ps would show the session token.
        if headers:
            extra = dict(h.split(": ", 1) for h in headers)
            requests = [dict(r, headers={**r.get("headers", {}), **extra}) for r in requests]
        args = [self.exe, "--url", url, "--connections", str(connections), "--duration",
                str(duration), "--requests", self.requests_file(requests)]
        if count is not None:
            args += ["--count", str(count)]
        if interval_ms:
            args += ["--interval-ms", str(interval_ms)]
        if expect:
            args += ["--expect", expect]
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    @staticmethod
    def finish(p):
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"bench-load failed: {err.decode()}")
        return json.loads(out.decode().strip().splitlines()[-1])

    def run(self, *a, **k):
        return self.finish(self.start(*a, **k))


# ---- the world ---------------------------------------------------------------------------------

class World:
    def __init__(self, build, source, workdir, raise_view_caps=True, poll_interval_seconds=3600):
        self.build = build
        self.source = source
        self.dir = workdir
        # The bench raises the host's view caps (its rows open 1,000 dialogs from one session);
        # the soak runs with the host's defaults, as a hotel would.
        self.raise_view_caps = raise_view_caps
        # The bench polls only when a row asks for it (3600: no pass lands inside another row);
        # the soak passes None and runs the plugin's default interval, as a hotel would.
        self.poll_interval_seconds = poll_interval_seconds
        self.bin = os.path.join(build, "bin")
        self.plugins = os.path.join(build, "plugins")
        self.load = Load(self.exe("bench-load"), workdir)
        self.children = []

    def exe(self, name):
        for d in (self.bin, os.path.join(self.build, "bench")):
            p = os.path.join(d, name)
            if os.path.exists(p):
                return p
        raise RuntimeError(f"{name} not built in {self.build}")

    def secret(self, name, value):
        path = os.path.join(self.dir, "secrets", name)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        return path

    def host_args(self, port, data, with_plugin, merchant, token, key, sim_url):
        args = [self.exe("pms-host"), "--listen", f"127.0.0.1:{port}", "--data", data,
                "--web-root", os.path.join(self.source, "host_stub", "web"), "--seed-demo",
                "--log-level", "info"]
        if HOST_THREADS:
            args += ["--threads", str(HOST_THREADS)]
        if self.raise_view_caps:
            # Caps raised for the bench (architecture §8: benchmarks raise them and say so):
            # the views row opens BENCH_VIEWS dialogs and the storm BENCH_STORM, all from one
            # staff session.
            args += ["--max-views", str(max(VIEWS, STORM) + 64),
                     "--max-views-per-session", str(max(VIEWS, STORM) + 64)]
        if not with_plugin:
            empty = os.path.join(self.dir, "no-plugins")
            os.makedirs(empty, exist_ok=True)
            return args + ["--plugins", empty]
        hook = f"http://127.0.0.1:{port}/hooks/{PLUGIN}/{PROPERTY}/"
        p = f"{PLUGIN}:{PROPERTY}:"
        tag = merchant[-2:]
        poll = [] if self.poll_interval_seconds is None else [
            "--setting", p + f"poll_interval_seconds={self.poll_interval_seconds}"]
        return args + poll + [
            "--plugins", self.plugins, "--enable", f"{PLUGIN}:{PROPERTY}",
            "--setting", p + "merchant_id=" + merchant,
            "--secret", p + "api_token=@" + self.secret("api_token" + tag, token),
            "--secret", p + "api_key=@" + self.secret("api_key" + tag, key),
            "--setting", p + "api_base_url=" + sim_url,
            "--setting", p + "legal_entity_id=1",
            "--setting", p + "api_host_confirmed=127.0.0.1",
            "--setting", p + "notification_url=" + hook,
            "--setting", p + "hotel_name=Гранд Отель Суперотель"]

    def start(self):
        self.host_port = free_port()
        self.hook_path = f"/hooks/{PLUGIN}/{PROPERTY}/"
        hook_url = f"http://127.0.0.1:{self.host_port}{self.hook_path}"
        self.sim_log = os.path.join(self.dir, "sim.stderr")
        # Not --quiet: the request log is how the bench counts InvoiceBox requests. No per-IP
        # limit: every client here is 127.0.0.1, and the per-shop limit is the one under test.
        self.sim = Child([self.exe("invoicebox-sim"), "--listen", "127.0.0.1:0",
                          "--merchant-id", MERCHANT, "--token", TOKEN, "--api-key", API_KEY,
                          "--account", f"{MERCHANT2}:{TOKEN2}:{API_KEY2}",
                          "--notification-url", hook_url, "--ip-rate-limit", "0",
                          "--state", os.path.join(self.dir, "sim-state.json")],
                         self.sim_log, "invoicebox-sim")
        self.children.append(self.sim)
        self.sim_url = self.sim.first_line.rstrip("/")
        self.tail = LogTail(self.sim_log)
        self.simc = Http(self.sim_url)

        self.bare = Child([self.exe("bench-bare-server"), "--listen", "127.0.0.1:0"],
                          os.path.join(self.dir, "bare.stderr"), "bench-bare-server")
        self.children.append(self.bare)
        self.bare_url = self.bare.first_line

        data = os.path.join(self.dir, "host-data")
        os.makedirs(data, mode=0o700, exist_ok=True)
        self.host = Child(self.host_args(self.host_port, data, True, MERCHANT, TOKEN, API_KEY, self.sim_url),
                          os.path.join(self.dir, "host.stderr"), "pms-host", env=host_env())
        self.children.append(self.host)
        self.data_dir = data
        self.db_file = os.path.join(data, "pms-host.sqlite3")  # the host's database (add_folios, dbstat)
        # The host's log: the poller's one line per pass is how the polling rows time a pass.
        self.host_tail = LogTail(os.path.join(self.dir, "host.stderr"))
        self.host_url = f"http://127.0.0.1:{self.host_port}"
        self.api = Http(self.host_url)
        self.api.ok("POST", "/api/session", {"login": "admin", "password": "demo"}, "sign-in")
        self.cookie_header = "Cookie: " + self.api.cookie
        self.origin_header = "Origin: " + self.host_url
        booking = self.api.ok("GET", f"/api/properties/{PROPERTY}/bookings/{BOOKING}")
        self.folio_id = next(a["id"] for a in booking["accounts"] if a["number"] == FOLIO_NUMBER)
        self.map_payment_kind()

    def stop(self):
        for tail in ("tail", "host_tail"):
            if hasattr(self, tail):
                getattr(self, tail).stopped = True
        for c in reversed(self.children):
            c.stop()

    def p(self, path):
        return f"/api/properties/{PROPERTY}{path}"

    def map_payment_kind(self):
        url = self.p(f"/plugins/{PLUGIN}/payment-mapping")
        page = self.api.ok("GET", url)
        pick = None
        for c in page["categories"]:
            for t in c["types"]:
                if "ссылк" in t["name"].lower():
                    pick = (c["id"], t["id"])
        if pick is None:
            pick = (page["categories"][0]["id"], page["categories"][0]["types"][0]["id"])
        self.api.ok("PUT", url, {"mappings": [{"kind": "payment", "category_id": pick[0], "type_id": pick[1]}]})

    # ---- dialogs
    def click(self, folio_id=None, api=None):
        # After a refresh storm the plugin may still be working off the refreshes the limiter
        # held back, and a click queued behind them misses the server's 40 s deadline (503).
        # The bench waits for the host to recover (and says so) instead of giving up the run.
        api = api or self.api
        path = self.p(f"/folios/{folio_id or self.folio_id}/buttons/{PLUGIN}/{BUTTON}/click")
        end = time.monotonic() + 300
        while True:
            status, doc, raw = api.request("POST", path, {"locale": "ru-RU"})
            if status == 200:
                return doc["session_id"], doc.get("view")
            if status not in (502, 503, 504) or time.monotonic() > end:
                raise RuntimeError(f"click: HTTP {status}: {raw[:600]!r}")
            log(f"WARNING click answered {status} ({raw[:80]!r}); retrying in 2 s")
            time.sleep(2)

    def event(self, session, action, values=None, api=None):
        return (api or self.api).request("POST", self.p(f"/views/{session}/events"),
                                         {"kind": "button", "action": action, "values": values or {}})

    def api_clone(self):
        """Another keep-alive connection of the same staff session (one per seeding thread)."""
        api = Http(self.host_url)
        api.cookie = self.api.cookie
        return api

    def sim_config(self, doc):
        self.simc.ok("POST", "/__sim/config", doc)

    def close_views(self, sessions):
        if not sessions:
            return
        reqs = [{"method": "POST", "target": self.p(f"/views/{s}/close"),
                 "headers": {"Content-Type": "application/json"}, "body": "{}"} for s in sessions]
        self.load.run(self.host_url, reqs, min(8, len(reqs)), 600, count=len(reqs),
                      headers=[self.cookie_header, self.origin_header])

    def open_views(self, n):
        return [self.click()[0] for _ in range(n)]

    def payments(self, folio_id=None):
        return self.api.ok("GET", self.p(f"/folios/{folio_id or self.folio_id}"))["payments"]

    # ---- simulator
    def sim_orders(self, query=""):
        return self.simc.ok("GET", "/__sim/orders" + query)["data"]

    def sim_notifications(self, order_id):
        return self.simc.ok("GET", "/__sim/notifications?orderId=" + order_id)["data"]

    def faults(self, doc):
        self.simc.ok("POST", "/__sim/faults", doc)

    # ---- plugin settings: saving restarts the poller, which polls at once
    def save_settings(self, **changes):
        url = self.p(f"/plugins/{PLUGIN}/settings")
        values = self.api.ok("GET", url)["values"]
        values.update(changes)
        self.api.ok("PUT", url, {"values": values}, "save settings")


# ---- seeding -----------------------------------------------------------------------------------

def seed_links(w, count, folio_id=None, api=None, limited=True):
    """Creates `count` links of 1,00 ₽ on the folio through the dialog, as staff do. With the
    plugin's limiter on (InvoiceBox: 100 requests per 30 s per shop) later creates would be held
    past a staff action's deadline, so at most 85 start in any 31 s (`limited`)."""
    api = api or w.api
    session, _ = w.click(folio_id, api)
    status, doc, raw = w.event(session, "create", api=api)
    if status != 200:
        raise RuntimeError(f"«Создать ссылку»: HTTP {status}: {raw[:400]!r}")
    values = {}
    for e in doc["view"].get("elements", []):
        for f in e.get("fields", []) or []:
            if "name" in f and "value" in f:
                values[f["name"]] = f["value"]
    values["amount"] = "1.00"
    values["send_mail"] = False
    starts = []
    t0 = time.monotonic()
    for i in range(count):
        now = time.monotonic()
        starts = [s for s in starts if now - s < 31]
        if limited and len(starts) >= 85:
            wait = starts[0] + 31 - now
            log(f"seeding: {i}/{count} links, waiting {wait:.0f} s for the shop's rate-limit window")
            time.sleep(wait)
        starts.append(time.monotonic())
        status, doc, raw = w.event(session, "submit_create", values, api=api)
        if status != 200 or "Ссылка создана" not in json.dumps(doc, ensure_ascii=False):
            raise RuntimeError(f"create link {i + 1}: HTTP {status}: {raw[:600]!r}")
    w.close_views([session])
    if limited:
        log(f"seeded {count} links in {time.monotonic() - t0:.1f} s")


def add_folios(db_file, main_id, extra):
    """Folios copied from the demo folio (same booking, shop and lines), written into the host's
    database as the chaos test does: the host API creates no folios (a PMS makes them with the
    booking), and the demo seed has one per legal entity. Links are then made through the API.
    Their numbers follow the copies made before (a folio's number is unique in its property)."""
    db = sqlite3.connect(db_file, timeout=10, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        made = db.execute("SELECT count(*) FROM folios WHERE number GLOB '8???????'").fetchone()[0]
        ids = []
        for k in range(made + 1, made + extra + 1):
            cur = db.execute(
                "INSERT INTO folios (property_id, booking_id, legal_entity_id, number, currency, is_main, "
                "created_at_ms) SELECT property_id, booking_id, legal_entity_id, ?, currency, 0, created_at_ms "
                "FROM folios WHERE id = ?", (str(80000000 + k), int(main_id)))
            fid = cur.lastrowid
            db.execute("INSERT INTO folio_lines (folio_id, description, amount_minor, vat_code, service_date, "
                       "created_at_ms) SELECT ?, description, amount_minor, vat_code, service_date, created_at_ms "
                       "FROM folio_lines WHERE folio_id = ? ORDER BY id", (fid, int(main_id)))
            ids.append(str(fid))
        db.execute("COMMIT")
        return ids
    finally:
        db.close()


def wait_until(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def replay_notification(w, order_id):
    """Pays one order for real and waits until the host posted it: its body and signature are
    the replayed notification (already recorded and posted, so a replay changes nothing)."""
    before = len(w.payments())
    w.simc.ok("POST", f"/__sim/orders/{order_id}/pay", {})
    if not wait_until(lambda: len(w.payments()) > before, 30):
        raise RuntimeError("the real notification was not posted within 30 s")
    for n in w.sim_notifications(order_id):
        if n["orderStatus"] == "completed" and n["outcome"] == "delivered":
            return n["body"], n["signature"]
    raise RuntimeError("no delivered notification for the replay order")


def first_delivery_bodies(w, order_ids):
    """Pays orders while the simulator signs every notification with another key: the host
    refuses those (signature_error is final, never retried) and records nothing, so the bench's
    correctly signed copy of the same bytes is the order's first accepted delivery."""
    w.faults({"wrongSignature": {}})
    try:
        for oid in order_ids:
            w.simc.ok("POST", f"/__sim/orders/{oid}/pay", {})
        bodies = {}

        wanted = set(order_ids)

        def all_refused():
            # One listing per check: a round pays BENCH_FIRST orders at once.
            for n in w.simc.ok("GET", "/__sim/notifications")["data"]:
                if (n["orderId"] in wanted and n["orderStatus"] == "completed"
                        and n["outcome"] not in ("pending", "skipped", "held")):
                    bodies.setdefault(n["orderId"], n["body"])
            return len(bodies) == len(order_ids)

        if not wait_until(all_refused, 60, 0.1):
            raise RuntimeError(f"only {len(bodies)} of {len(order_ids)} paid orders were notified")
    finally:
        w.faults({})
    return [bodies[o] for o in order_ids]


def hook_request(w, body, sig):
    return {"method": "POST", "target": w.hook_path,
            "headers": {"Content-Type": "application/json", "X-Signature": sig}, "body": body}


# ---- rows --------------------------------------------------------------------------------------

class Table:
    def __init__(self):
        self.rows = {}   # key -> dict(label, unit, base_label, target, rounds=[(base, value)])
        self.order = []

    def add(self, key, label, base_label, unit, target, base, value, ratio=True):
        if key not in self.rows:
            self.rows[key] = {"label": label, "base_label": base_label, "unit": unit, "target": target,
                              "samples": [], "ratio": ratio}
            self.order.append(key)
        self.rows[key]["samples"].append((base, value))

    @staticmethod
    def fmt(x):
        if x is None:
            return "—"
        if isinstance(x, str):
            return x
        a = abs(x)
        if isinstance(x, int) or float(x).is_integer():
            return f"{x:,.0f}"
        if a >= 1000:
            return f"{x:,.0f}"
        if a >= 100:
            return f"{x:.0f}"
        if a >= 10:
            return f"{x:.1f}"
        if a >= 1:
            return f"{x:.2f}"
        return f"{x:.3f}"

    def cell(self, xs):
        xs = [x for x in xs if x is not None]
        if not xs:
            return "—"
        if any(isinstance(x, str) for x in xs):  # a row that could not be measured says why
            return str(xs[0])
        med = statistics.median(xs)
        if len(xs) == 1:
            return self.fmt(med)
        return f"{self.fmt(med)} ({self.fmt(min(xs))}–{self.fmt(max(xs))})"

    def render(self, header):
        out = [header, "",
               "| row | unit | baseline | baseline: median (min–max) | this project: median (min–max) | ratio: median (min–max) | target |",
               "|---|---|---|---|---|---|---|"]
        for k in self.order:
            r = self.rows[k]
            bases = [b for b, _ in r["samples"]]
            vals = [v for _, v in r["samples"]]
            ratios = [v / b for b, v in r["samples"] if r["ratio"] and b not in (None, 0) and v is not None]
            out.append(f"| {r['label']} | {r['unit']} | {r['base_label']} | {self.cell(bases)} | "
                       f"{self.cell(vals)} | {self.cell(ratios) if r['ratio'] else '—'} | {r['target']} |")
        return "\n".join(out)


# The plugin's passes that post a paid order on their own (reconciliation.cpp, link_service.cpp).
PLUGIN_OWN_PASS = re.compile(r"reconciliation: \d+ lines|poller: pass done|start-up recovery: pass done")


def add_first_delivery_rows(t, h, small_replay, small_bare, fd, fd_cpu_us, synced, n):
    unmeasured = "not measured (needs perf and syscall tracepoints)"
    t.add("fd_syncs", "durable commits (fsync + fdatasync calls of pms-host) per first delivery", "—", "calls",
          "≤ 2", None, unmeasured if synced is None else synced["syncs"] / max(1, n), ratio=False)
    t.add("fd_writes", "file writes (pwrite calls of pms-host: 2 per WAL page, 1 per checkpointed page) per "
          "first delivery", "—", "calls", "—", None,
          unmeasured if synced is None else synced["writes"] / max(1, n), ratio=False)
    t.add("fd_cpu", "host CPU per first delivery (process, all threads, its posting and alert included)",
          "CPU per replayed notification", "µs", "—", h["cost"][0], fd_cpu_us)
    t.add("fd_rps", f"first deliveries of new paid orders ({n}/round, {SMALL_CONNECTIONS} conns)",
          f"bare Beast server, {SMALL_CONNECTIONS} conns", "req/s", "≥ 0.3", small_bare["rps"], fd["rps"])
    t.add("fd_p50", "first delivery p50", f"replayed notification p50, {SMALL_CONNECTIONS} conns", "ms", "—",
          small_replay["p50_ms"], fd["p50_ms"])


def deliver_first(w, fd_orders):
    """Pays `fd_orders` (see first_delivery_bodies) and delivers each one's notification once,
    SMALL_CONNECTIONS at a time: the load run's result plus "n" (deliveries), "cpu_us" (host CPU
    per delivery, its posting, alert and outbox removal included, the idle host's share taken
    off), "synced" (SyncCounter's counts, or None) and "raced" (the plugin's own passes that ran
    meanwhile: then some were not first deliveries, and the figures measured something else) and
    "window" (CLOCK_MONOTONIC seconds, the span counted, as `perf script` stamps its samples)."""
    # The host's CPU while idle over as long as the count waits after the deliveries, taken
    # off their share below (its timers and the probe-free io threads cost a little).
    idle = ProcCost(w.host.proc.pid)
    time.sleep(2)
    idle_cpu_us, _ = idle.stop(1)
    posted_before = len(w.payments(w.fd_folio))
    # Paid right before they are delivered. A paid order whose notification the host refused is
    # what the plugin's reconciliation (10 min after start, then daily) and its poller look for,
    # and either posts it on its own: paid ~45 s ahead, as they were, the first reconciliation of
    # a full run posted a round's 200 orders before the bench delivered them, and the rows then
    # timed replays (two runs at 199ffc8). A round in which either ran meanwhile is left out.
    paid_mark = w.host_tail.mark()
    bodies = first_delivery_bodies(w, fd_orders)
    fd_reqs = [hook_request(w, body, sign(API_KEY, body)) for body in bodies]
    syncs = SyncCounter(w.host.proc.pid)
    fd_cost = ProcCost(w.host.proc.pid)
    start = time.monotonic()
    fd = w.load.run(w.host_url, fd_reqs, min(SMALL_CONNECTIONS, len(fd_reqs)), 600, count=len(fd_reqs),
                    expect='"success"')
    # The work a first delivery starts (posting, staff alert, outbox removal) goes on after its
    # answer: the count waits for the host to be idle again.
    time.sleep(2)
    fd["window"] = (start, time.monotonic())
    fd["synced"] = syncs.stop()
    fd["n"] = len(fd_reqs)
    fd["cpu_us"] = (fd_cost.stop(1)[0] - idle_cpu_us) / max(1, len(fd_reqs))
    check_ok("first deliveries", fd, len(fd_reqs))
    # Each answered «success» is a posting on the folio, or the row measured something else.
    if not wait_until(lambda: len(w.payments(w.fd_folio)) >= posted_before + len(fd_reqs), 30, 0.2):
        raise RuntimeError(f"first deliveries: {len(w.payments(w.fd_folio)) - posted_before} of "
                           f"{len(fd_reqs)} posted on their folio within 30 s")
    fd["raced"] = [line for _, line in w.host_tail.since(paid_mark) if PLUGIN_OWN_PASS.search(line)]
    return fd


def run_round(w, t, rnd, replay, fd_orders, startup_data):
    L = w.load
    cookie = [w.cookie_header]
    replay_req = [hook_request(w, replay[0], replay[1])]
    wrong_req = [hook_request(w, replay[0], "0" * 40)]
    folio_get = [{"method": "GET", "target": w.p(f"/folios/{w.folio_id}")}]
    S, C = SECONDS, CONNECTIONS

    # -- ingress: the bare server and the host, alternating which goes first each round
    def bare():
        return L.run(w.bare_url, replay_req, C, S, expect="success")

    def host_replay():
        return L.run(w.host_url, replay_req, C, S, expect='"success"')

    # Each flood is wrapped in its process's CPU and context-switch count.
    def costed(child, run):
        cost = ProcCost(child.proc.pid)
        r = run()
        r["cost"] = cost.stop(r["ok"])
        return r

    if rnd % 2 == 0:
        b, h = costed(w.bare, bare), costed(w.host, host_replay)
    else:
        h, b = costed(w.host, host_replay), costed(w.bare, bare)
    wrong = L.run(w.host_url, wrong_req, C, S, expect="signature_error")
    check_ok("replay", h)
    check_ok("wrong signature", wrong)
    t.add("ingress_replay", "notification ingress, replayed (already posted) order", "bare Beast server, same POST",
          "req/s", "≥ 0.6", b["rps"], h["rps"])
    t.add("ingress_wrong", "notification ingress, wrong signature", "bare Beast server, same POST", "req/s", "—",
          b["rps"], wrong["rps"])
    t.add("ingress_cpu", "CPU per replayed notification (process, all threads)", "bare Beast server, same POST",
          "µs", "—", b["cost"][0], h["cost"][0])
    t.add("ingress_cs", "context switches per replayed notification (process, all threads)",
          "bare Beast server, same POST", "switches", "—", b["cost"][1], h["cost"][1])
    rss_after_flood = w.host.rss_kib() / 1024

    # -- first deliveries of new paid orders (durable record + posting), C small like a provider
    small_replay = L.run(w.host_url, replay_req, SMALL_CONNECTIONS, S, expect='"success"')
    small_bare = L.run(w.bare_url, replay_req, SMALL_CONNECTIONS, S, expect="success")
    fd = deliver_first(w, fd_orders)
    if fd["raced"]:
        log(f"WARNING round {rnd + 1}: the plugin's own pass ran between paying the first deliveries' "
            f"orders and their last posting, so some were not first deliveries; the round's "
            f"first-delivery rows are left out: {fd['raced'][0].strip()}")
    else:
        add_first_delivery_rows(t, h, small_replay, small_bare, fd, fd["cpu_us"], fd["synced"], fd["n"])
    # The disk's floor: each first delivery waits for at least one commit's fdatasync, so
    # SMALL_CONNECTIONS deliveries at a time cannot beat SMALL_CONNECTIONS per fdatasync.
    sync_ms = fdatasync_p50_ms(w.data_dir, FSYNC_SAMPLES)
    t.add("fd_sync_ms", "fdatasync of 4 KiB in the host's data folder, p50", "—", "ms", "—", None, sync_ms,
          ratio=False)
    if not fd["raced"]:
        t.add("fd_ceiling", f"first deliveries vs the disk's ceiling ({SMALL_CONNECTIONS} conns ÷ fdatasync p50)",
              "the ceiling", "req/s", "—", SMALL_CONNECTIONS * 1000 / sync_ms, fd["rps"])

    # -- GET folio: idle, during the ingress flood, during the refresh storm
    idle = L.run(w.host_url, folio_get, 1, S, interval_ms=PROBE_INTERVAL_MS, headers=cookie)
    probe = L.start(w.host_url, folio_get, 1, S, interval_ms=PROBE_INTERVAL_MS, headers=cookie)
    flood = L.run(w.host_url, replay_req, C, S, expect='"success"')
    during_flood = L.finish(probe)
    check_ok("GET folio idle", idle)
    check_ok("GET folio during flood", during_flood)
    t.add("get_flood_p50", "GET folio p50 during the ingress flood", "same GET idle", "ms", "—",
          idle["p50_ms"], during_flood["p50_ms"])
    t.add("get_flood_p99", "GET folio p99 during the ingress flood", "same GET idle", "ms", "≤ 2",
          idle["p99_ms"], during_flood["p99_ms"])

    storm_sessions = w.open_views(STORM)
    try:
        w.faults({"latency": {"ms": STORM_LATENCY_MS}})
        refresh = {"method": "POST", "headers": {"Content-Type": "application/json"},
                   "body": json.dumps({"kind": "button", "action": "refresh", "values": {}})}
        one_mark = w.tail.mark()
        one = L.run(w.host_url, [dict(refresh, target=w.p(f"/views/{storm_sessions[0]}/events"))], 1, 600,
                    count=1, headers=cookie + [w.origin_header])
        one_requests = len(api_requests(w.tail.since(one_mark)))
        time.sleep(0.5)
        mark = w.tail.mark()
        probe = L.start(w.host_url, folio_get, 1, 3600, interval_ms=PROBE_INTERVAL_MS, headers=cookie)
        storm = L.run(w.host_url, [dict(refresh, target=w.p(f"/views/{s}/events")) for s in storm_sessions],
                      len(storm_sessions), 600, count=len(storm_sessions), headers=cookie + [w.origin_header])
        probe.send_signal(signal.SIGTERM)
        during_storm = stop_probe(probe)
        storm_requests = len(api_requests(w.tail.since(mark)))
    finally:
        w.faults({})
        w.close_views(storm_sessions)
    t.add("get_storm_p50", f"GET folio p50 during {len(storm_sessions)} refreshes (latency {STORM_LATENCY_MS} ms)",
          "same GET idle", "ms", "—", idle["p50_ms"], during_storm.get("p50_ms"))
    t.add("get_storm_p99", f"GET folio p99 during {len(storm_sessions)} refreshes (latency {STORM_LATENCY_MS} ms)",
          "same GET idle", "ms", "≤ 2", idle["p99_ms"], during_storm.get("p99_ms"))
    t.add("storm_p50", f"«Обновить статус ссылок» ×{len(storm_sessions)} at once, p50", "one refresh alone", "ms",
          "—", one["p50_ms"], storm["p50_ms"])
    t.add("storm_p99", f"«Обновить статус ссылок» ×{len(storm_sessions)} at once, p99", "one refresh alone", "ms",
          f"≤ {(STORM_LATENCY_MS + 100) / STORM_LATENCY_MS:.2f}", one["p50_ms"], storm["p99_ms"])
    t.add("storm_requests", f"InvoiceBox requests for {len(storm_sessions)} refreshes", "one refresh alone",
          "requests", "1× (one shared request)", one_requests, storm_requests)
    t.add("storm_non200", f"refreshes not answered 200 (of {len(storm_sessions)})", "—", "answers", "0",
          None, storm["sent"] - storm["statuses"].get("200", 0) + storm["errors"], ratio=False)

    # -- replayed notification with one dialog open, and with VIEWS view sessions open
    one_view = w.open_views(1)
    try:
        with_one = L.run(w.host_url, replay_req, C, S, expect='"success"')
    finally:
        w.close_views(one_view)
    t.add("replay_one_view", "replayed notification with one links dialog open", "no dialog open (same round)",
          "req/s", "≥ 0.5", h["rps"], with_one["rps"])
    t0 = time.monotonic()
    many = w.open_views(VIEWS)
    open_s = time.monotonic() - t0
    try:
        with_many = L.run(w.host_url, replay_req, SMALL_CONNECTIONS, S, expect='"success"')
    finally:
        w.close_views(many)
    check_ok(f"replay with {VIEWS} views", with_many)
    t.add("views_p99", f"replayed notification p99, {VIEWS} view sessions open on the folio",
          f"no view open, {SMALL_CONNECTIONS} conns", "ms", "< 50 ms", small_replay["p99_ms"], with_many["p99_ms"])
    t.add("views_rps", f"replayed notification, {VIEWS} view sessions open", f"no view open, {SMALL_CONNECTIONS} conns",
          "req/s", "—", small_replay["rps"], with_many["rps"])
    t.add("views_open", f"opening {VIEWS} dialogs one after another", "—", "s", "—", None, open_s, ratio=False)

    # -- polling: the open links by id against the simulator at POLL_LATENCY_MS
    poll_round(w, t, rnd)

    # -- footprint
    t.add("rss", "host RSS after the round's floods", "idle, after start-up (once per run)", "MiB", "—",
          w.rss_idle, rss_after_flood)
    with_p, without_p = startup(w, startup_data, True), startup(w, startup_data, False)
    t.add("startup", "start-up to the first 200 (GET /api/health), plugin enabled", "without the plugin", "ms",
          "—", without_p, with_p)

    # -- protocol micro-benchmarks (one repetition per round, so they interleave too)
    micro_round(w, t)


def stop_probe(p):
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    lines = out.decode().strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


class ProcCost:
    """CPU time and context switches a process (all its threads) spends between start and
    stop, from the kernel's own accounting, so nothing is attached to the process and it is not
    slowed: the run time in ns of every /proc/PID/task/*/schedstat (utime/stime count 10 ms
    ticks, too coarse for 16 deliveries) and the voluntary and involuntary switches of every
    /proc/PID/task/*/status. A thread that ends in between takes its share with it; the host's
    threads (io, store writer, blocking pool) live as long as it does."""

    def __init__(self, pid):
        self.pid = pid
        self.cpu0, self.cs0 = self._read()

    def _read(self):
        ns = 0
        switches = 0
        for task in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{task}/schedstat") as f:
                    ns += int(f.read().split()[0])
                with open(f"/proc/{self.pid}/task/{task}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            switches += int(line.split()[1])
            except OSError:
                pass  # a thread that ended meanwhile
        return ns / 1e9, switches

    def stop(self, requests):
        """(CPU µs per request, context switches per request) since the start."""
        cpu, cs = self._read()
        n = max(1, requests)
        return (cpu - self.cpu0) * 1e6 / n, (cs - self.cs0) / n


def fdatasync_p50_ms(folder, count):
    """The median time of writing 4 KiB and fdatasync-ing it in `folder` (the host's data
    folder, so its disk): the floor a durable commit stands on."""
    path = os.path.join(folder, "bench-fdatasync.tmp")
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = os.urandom(4096)
        # The file's size is made durable first, so that each timed call flushes data only
        # (as a commit into SQLite's reused WAL does).
        os.pwrite(fd, block * 16, 0)
        os.fsync(fd)
        for i in range(count):
            os.pwrite(fd, block, (i % 16) * 4096)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(times)


def wal_frames_by_btree(db_file):
    """What the host's last commits wrote, page by page: the frames of the WAL's current cycle
    (those that carry the salt of its header; a checkpoint restarts the cycle, after at most
    1,000 frames, SQLite's default) counted by the b-tree (table or index) their page belongs
    to, as `dbstat` names it now. Returns ({name: frames}, commits) — commits being the frames
    that end a transaction. For reading where a durable path's pages go, not for a figure of its
    own: the cycle holds whatever committed last."""
    with open(db_file + "-wal", "rb") as f:
        wal = f.read()
    if len(wal) < 32:
        return {}, 0
    page_size = int.from_bytes(wal[8:12], "big")
    salt = wal[16:24]
    pages = collections.Counter()
    commits = 0
    offset = 32
    while offset + 24 + page_size <= len(wal):
        header = wal[offset:offset + 24]
        if header[8:16] != salt:
            break  # the end of this cycle: what follows is an older cycle's
        pages[int.from_bytes(header[0:4], "big")] += 1
        commits += int.from_bytes(header[4:8], "big") != 0
        offset += 24 + page_size
    db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=10)
    try:
        owner = dict((pageno, name) for name, pageno in db.execute("SELECT name, pageno FROM dbstat"))
    finally:
        db.close()
    by_btree = collections.Counter()
    for pageno, n in pages.items():
        by_btree[owner.get(pageno, "(free or new)")] += n
    return dict(by_btree), commits


class SyncCounter:
    """Counts the durable commits (fsync and fdatasync calls) and the file writes (pwrite64
    calls) of a process, all its threads, with `perf stat` on the kernel's syscall tracepoints:
    counted in the kernel, so the process is not slowed as under strace. SQLite writes each page
    it appends to the WAL as two pwrite calls (the frame's header, then the page) and a
    checkpoint one per page copied back, so the writes say how many pages a delivery dirties.
    stop() answers None when perf or the tracepoints are not available (linux-perf, and
    perf_event_paranoid or root for tracepoints); the rows then say so."""

    EVENTS = {"syscalls:sys_enter_fdatasync": "syncs", "syscalls:sys_enter_fsync": "syncs",
              "syscalls:sys_enter_pwrite64": "writes"}

    def __init__(self, pid):
        self.proc = None
        self.out = tempfile.NamedTemporaryFile(prefix="bench-perf-", suffix=".csv", delete=False)
        if shutil.which("perf") is None:
            return
        self.proc = subprocess.Popen(["perf", "stat", "-x", ",", "-e", ",".join(self.EVENTS), "-p", str(pid)],
                                     stdout=subprocess.DEVNULL, stderr=self.out)
        time.sleep(0.3)  # attached before the work starts
        if self.proc.poll() is not None:
            self.proc = None

    def stop(self):
        """{"syncs": n, "writes": n}, or None."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(10)
        counts = {"syncs": 0, "writes": 0}
        seen = 0
        with open(self.out.name) as f:
            for line in f:
                fields = line.strip().split(",")
                if len(fields) > 2 and fields[2] in self.EVENTS:
                    if not fields[0].isdigit():
                        return None  # "<not supported>" / "<not counted>"
                    counts[self.EVENTS[fields[2]]] += int(fields[0])
                    seen += 1
        os.unlink(self.out.name)
        return counts if seen == len(self.EVENTS) else None


def check_ok(what, r, expected=None):
    bad = r["unexpected"] + r["errors"]
    if bad or (expected is not None and r["ok"] != expected):
        log(f"WARNING {what}: ok {r['ok']}, unexpected {r['unexpected']}, errors {r['errors']}, "
            f"statuses {r['statuses']}")


# A settings save restarts the plugin's poller with a recovery pass; the timer's passes say "poller".
PASS_LINE = re.compile(r"(?:poller|start-up recovery): pass done in (\d+) ms: (\d+) open links read by id "
                       r"\((\d+) unchanged\), (\d+) list pages")


def poll_pass(w, timeout, **settings):
    """Saves the plugin's settings, which restarts the poller; it polls at once. Returns the
    pass as the plugin's own line reports it (ms from start to end, open links read by id, list
    pages) and the merchant API requests the simulator saw meanwhile, or None on a timeout."""
    w.saves = getattr(w, "saves", 0) + 1
    mark, host_mark = w.tail.mark(), w.host_tail.mark()
    # The interval alternates so that every save is a change (and restarts the poller).
    w.save_settings(poll_interval_seconds=3600 - (w.saves % 2), **settings)
    found = []

    def done():
        for _, line in w.host_tail.since(host_mark):
            m = PASS_LINE.search(line)
            if m:
                found.append(m)
                return True
        return False

    if not wait_until(done, timeout, 0.02):
        log(f"WARNING poll pass: no «pass done» line in the host log within {timeout:.0f} s")
        return None
    time.sleep(0.1)  # the simulator's log line of the last answer
    m = found[0]
    return {"ms": int(m[1]), "open": int(m[2]), "unchanged": int(m[3]), "pages": int(m[4]),
            "requests": api_requests(w.tail.since(mark))}


def concurrency_bound_ms(n):
    return n * POLL_LATENCY_MS / max(1, min(n, POOLED_CONNECTIONS))


def add_pass_row(t, key, p, limit, target, links=None):
    """A poll pass against the bound of its requests sent 4 at a time at POLL_LATENCY_MS."""
    n = len(p["requests"])
    links = links or f"{p['open']} open links"
    t.add(key, f"poll pass over {links}, limit {limit} ({n} requests, latency {POLL_LATENCY_MS} ms)",
          f"bound: requests × latency ÷ min(requests, {POOLED_CONNECTIONS} pooled connections)", "ms",
          target, concurrency_bound_ms(n), p["ms"])


def poll_round(w, t, rnd):
    """The rounds' pass: the links the run leaves open (the folio's few, and the first-delivery
    orders of the rounds still to come, so fewer each round), the plugin's limit on (a round's
    other rows must not share the window with a pass that spends it)."""
    w.faults({"latency": {"ms": POLL_LATENCY_MS}})
    try:
        p = poll_pass(w, 120)
    finally:
        w.faults({})
    if p is not None:
        add_pass_row(t, "poll_time", p, "on", "—",
                     f"the open links (round 1: {p['open']}; fewer each round as first deliveries pay them)")


def seed_poll_links(w, count):
    """POLL_LINKS open links on POLL_FOLIOS extra folios of the demo booking (limit off on both
    sides)."""
    folios = add_folios(w.db_file, w.folio_id, max(1, POLL_FOLIOS))
    t0 = time.monotonic()
    seed_in_parallel(w, zip(folios, shares(count, len(folios))))
    log(f"polling: seeded {count} open links on {len(folios)} folios in {time.monotonic() - t0:.1f} s "
        f"({SEED_THREADS} connections, limit off)")


def shares(count, parts):
    """`count` split into `parts` as even as whole numbers go."""
    return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]


def seed_in_parallel(w, work):
    """Links created through the dialog by SEED_THREADS staff connections at once, `work` being
    (folio, count) pairs; the limit must be off on both sides."""
    work = list(work)
    lock = threading.Lock()
    errors = []

    def worker():
        api = w.api_clone()
        while True:
            with lock:
                if not work or errors:
                    return
                folio, n = work.pop()
            try:
                if n:
                    seed_links(w, n, folio, api, limited=False)
            except Exception as e:  # noqa: BLE001 (reported once the threads are joined)
                with lock:
                    errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(SEED_THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]


def ab_script(doc, defaults, prefix, run):
    """The frame of an A/B script (poll_passes.py, replay_floods.py, first_deliveries.py): its
    arguments (script_args), a started World in a fresh folder under `prefix`, run(w, *numbers),
    and the World stopped whatever happens. Returns the script's exit status."""
    args = script_args(doc, defaults)
    if args is None:
        return 2
    build, source, *numbers = args
    w = World(build, source, tempfile.mkdtemp(prefix=prefix))
    try:
        w.start()
        time.sleep(1.0)  # the start-up recovery poll settles
        run(w, *numbers)
    finally:
        w.stop()
    return 0


def limit_off(w):
    """The shop's limit off on both sides: the simulator's and the plugin's
    «Лимит запросов к InvoiceBox за 30 с» (saving restarts the poller, which polls at once)."""
    w.sim_config({"rateLimit": {"requests": 0, "windowSeconds": 30}})
    w.save_settings(rate_limit_requests=0)


def limit_on(w):
    """The limit back on once both sides' 30 s windows are past what was sent with it off: neither
    counts those requests against what follows."""
    log("waiting 31 s for the rate-limit window before the limit goes back on")
    time.sleep(31)
    w.sim_config({"rateLimit": {"requests": SHOP_LIMIT, "windowSeconds": 30}})
    w.save_settings(rate_limit_requests=SHOP_LIMIT)


def poll_phase(w, t):
    """Issue 14's polling rows, after the rounds: POLL_LINKS open links read by the poller
    against the simulator at POLL_LATENCY_MS, first with the limit off on both sides (ROUNDS
    passes), then once with it on. Returns the simulator-log span of the limit-off part, which
    the limit rows leave out (nothing is limited there, by design)."""
    off_from = w.tail.mark()
    w.sim_config({"rateLimit": {"requests": 0, "windowSeconds": 30}})
    poll_pass(w, 120, rate_limit_requests=0)
    seed_poll_links(w, POLL_LINKS)
    w.faults({"latency": {"ms": POLL_LATENCY_MS}})
    try:
        for _ in range(ROUNDS):
            # Both processes share the machine's cores during a pass: what each spends says
            # how much of the pass is the simulator writing the pages the host reads.
            host_cost, sim_cost = ProcCost(w.host.proc.pid), ProcCost(w.sim.proc.pid)
            p = poll_pass(w, 600, rate_limit_requests=0)
            host_cpu_ms, sim_cpu_ms = host_cost.stop(1)[0] / 1000, sim_cost.stop(1)[0] / 1000
            if p is not None:
                add_pass_row(t, "poll_off", p, "off", "≥ 0.8 of the bound's speed (ratio ≤ 1.25)")
                t.add("poll_off_host_cpu", "pms-host CPU during that pass (settings save included)",
                      "the pass's time", "ms", "—", p["ms"], host_cpu_ms)
                t.add("poll_off_sim_cpu", "invoicebox-sim CPU during that pass (writing the pages)",
                      "the pass's time", "ms", "—", p["ms"], sim_cpu_ms)
        off_to = w.tail.mark()
        # The limit back on, after the passes above left both sides' 30 s windows: neither
        # counts them against the pass below.
        log("polling: waiting 31 s for the rate-limit window before the pass with the limit on")
        time.sleep(31)
        w.sim_config({"rateLimit": {"requests": SHOP_LIMIT, "windowSeconds": 30}})
        expected = math.ceil(POLL_LINKS / IDS_PER_LIST_READ) + 3
        p = poll_pass(w, 60 + 30 * math.ceil(expected / (SHOP_LIMIT * 0.8)), rate_limit_requests=SHOP_LIMIT)
    finally:
        w.faults({})
    if p is not None:
        n = len(p["requests"])
        background = int(SHOP_LIMIT * 0.8)  # the limiter keeps a fifth for staff
        t.add("poll_on", f"poll pass over {p['open']} open links, limit on ({n} requests)",
              f"bound: the limit's pace, ⌊(requests − 1) ÷ {background}⌋ × 30 s + latency", "ms", "—",
              (n - 1) // background * 30000 + POLL_LATENCY_MS, p["ms"])
    return off_from, off_to


def limit_rows(w, t, skip):
    """Every merchant API request the simulator saw in the busiest 30 s window of the run (both
    shops together: an upper bound for the main shop), and the 429s it answered; the spans
    `skip` (the limit-off seeding and polling, (from, to) marks of the simulator's log) left out."""
    lines, kept, at = w.tail.since(0), [], 0
    for begin, end in sorted(skip):
        kept += lines[at:begin]
        at = end
    lines = kept + lines[at:]
    all_reqs = api_requests(lines)
    times = [x[0] for x in all_reqs]
    busiest, j = 0, 0
    for i in range(len(times)):
        while times[i] - times[j] > 30:
            j += 1
        busiest = max(busiest, i - j + 1)
    t.add("limit_window", "InvoiceBox requests in the busiest 30 s (whole run with the limit on, both shops)",
          "InvoiceBox's limit per shop", "requests", "≤ 1", SHOP_LIMIT, busiest)
    t.add("limit_429", "requests the simulator refused 429 (whole run with the limit on)", "—", "requests", "0", None,
          sum(1 for _, l in all_reqs if "-> 429" in l), ratio=False)


def startup(w, data, with_plugin):
    port = free_port()
    args = w.host_args(port, data, with_plugin, MERCHANT2, TOKEN2, API_KEY2, w.sim_url)
    started = time.monotonic()
    c = Child(args, os.path.join(w.dir, "startup-host.stderr"), "pms-host (start-up)", wait_first_line=False,
              env=host_env())
    took = exited = None
    try:
        deadline = started + 60
        while time.monotonic() < deadline and c.proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/health", headers={"Host": f"127.0.0.1:{port}"})
                if conn.getresponse().status == 200:
                    took = (time.monotonic() - started) * 1000
                    break
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.002)
        exited = c.proc.poll()
    finally:
        c.stop()
    if took is None:
        why = f"it exited with {exited}" if exited is not None else "still starting after 60 s"
        log(f"WARNING start-up host never answered 200 ({why}; its stderr: "
            f"{os.path.join(w.dir, 'startup-host.stderr')}, kept with BENCH_KEEP=1)")
    return took


MICRO = [("order_decode", "order decode (parse + read_order), §8.2 body", "boost::json::parse, same bytes",
          "baseline_json_parse"),
         ("order_encode", "order encode (order_json)", "boost::json::serialize, same document",
          "baseline_json_serialize"),
         ("signature_verify", "signature verify", "raw OpenSSL HMAC-SHA1 + hex", "baseline_hmac_sha1"),
         ("basket_build", "basket build, 14 folio lines", "—", None)]


def micro_round(w, t):
    try:
        exe = w.exe("bench-protocol")
    except RuntimeError:
        t.add("micro_missing", "protocol micro-benchmarks", "—", "—", "—", None, "not built (libbenchmark-dev)",
              ratio=False)
        return
    out = subprocess.run([exe, "--benchmark_format=json", f"--benchmark_min_time={MICRO_MIN_TIME}"],
                         capture_output=True, check=True).stdout
    ns = {b["name"]: b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
          for b in json.loads(out)["benchmarks"]}
    for name, label, base_label, base in MICRO:
        t.add("micro_" + name, label, base_label, "ns/op", "—", ns.get(base) if base else None, ns[name],
              ratio=base is not None)


def so_size_row(w, t):
    so = None
    for root, _, files in os.walk(w.plugins):
        for f in files:
            if f.endswith(".so") and "invoicebox" in f:
                so = os.path.join(root, f)
    if not so:
        return
    stripped = os.path.join(w.dir, "plugin-stripped.so")
    subprocess.run(["strip", "--strip-unneeded", "-o", stripped, so], check=True)
    size = os.path.getsize(stripped) / 1024
    t.add("so_size", f"plugin .so stripped ({os.path.basename(so)})", "as built (RelWithDebInfo)", "KiB", "—",
          os.path.getsize(so) / 1024, size)


def migration_row(w, t):
    """The first start after the upgrade to schema 5 (pms.store copied into a rowid table in one
    transaction) with MIGRATION_ROWS rows, one sample per round: how long the host answers
    nothing, its notification endpoint included. bench-migration makes each database itself
    (bench/migration_bench.cpp)."""
    out = subprocess.run([w.exe("bench-migration"), "--rows", str(MIGRATION_ROWS), "--value-bytes",
                          str(MIGRATION_VALUE_BYTES), "--rounds", str(ROUNDS),
                          "--dir", os.path.join(w.dir, "migration")],
                         capture_output=True, text=True, check=True).stdout
    rounds = [r for r in map(json.loads, out.splitlines()) if "round" in r]
    for r in rounds:
        t.add("migration", f"first start after the upgrade to schema 5: pms.store of {MIGRATION_ROWS:,} rows "
              f"× {MIGRATION_VALUE_BYTES:,} B ({r['db_mib']:.0f} MiB) migrated",
              "—", "s", "—", None, r["migrate_s"], ratio=False)


# Every row a run prints when all its parts worked. BENCH_CHECK_ROWS=1 (the `bench.quick` test)
# makes a run that lacks one fail: a pass that timed out, a program not built, a row lost in a
# change. It checks that the figures exist, never what they are.
EXPECTED_ROWS = (
    "so_size", "ingress_replay", "ingress_wrong", "ingress_cpu", "ingress_cs", "fd_syncs", "fd_writes", "fd_cpu", "fd_rps",
    "fd_p50", "fd_sync_ms", "fd_ceiling", "get_flood_p50", "get_flood_p99", "get_storm_p50", "get_storm_p99",
    "storm_p50", "storm_p99", "storm_requests", "storm_non200", "replay_one_view", "views_p99", "views_rps",
    "views_open", "poll_time", "rss", "startup", "poll_off", "poll_off_host_cpu", "poll_off_sim_cpu", "poll_on",
    "limit_window", "limit_429", "migration") + tuple("micro_" + name for name, *_ in MICRO)


def missing_rows(t):
    return [key for key in EXPECTED_ROWS
            if key not in t.rows or any(value is None for _, value in t.rows[key]["samples"])]


def main():
    build = os.path.abspath(sys.argv[1])
    source = os.path.abspath(sys.argv[2])
    keep = os.environ.get("BENCH_KEEP", "") not in ("", "0")
    workdir = tempfile.mkdtemp(prefix="pms-bench-", dir=os.environ.get("BENCH_TMPDIR") or None)
    w = World(build, source, workdir)
    t = Table()
    log(f"work folder {workdir}; rounds {ROUNDS}, {SECONDS:g} s per run, {CONNECTIONS} connections"
        + (" (quick mode: a smoke run, not figures)" if QUICK else ""))
    try:
        w.start()
        time.sleep(1.0)  # the start-up recovery poll settles
        w.rss_idle = w.host.rss_kib() / 1024

        # Seeding through the host's API, as the web UI does, with the limit off on both sides
        # (a span the limit rows leave out): the folio's links (one replay order, the rest stays
        # open for the rounds' poll row) and, on a folio of their own, FIRST per round for the
        # first deliveries (so that the folio's dialog, refresh and GET rows keep its size).
        off_from = w.tail.mark()
        limit_off(w)
        t0 = time.monotonic()
        want = max(LINKS, 1 + POLL_MIN)
        seed_in_parallel(w, [(w.folio_id, n) for n in shares(want, SEED_THREADS)])
        created = [o for o in w.sim_orders("?status=created") if o.get("merchantId") == MERCHANT]
        created.sort(key=lambda o: o["merchantOrderId"])
        if len(created) < want:
            raise RuntimeError(f"{len(created)} open orders on the simulator, expected {want}")
        w.fd_folio = add_folios(w.db_file, w.folio_id, 1)[0]
        seed_in_parallel(w, [(w.fd_folio, n) for n in shares(FIRST * ROUNDS, SEED_THREADS)])
        known = {o["id"] for o in created}
        fd_orders = [o for o in w.sim_orders("?status=created")
                     if o.get("merchantId") == MERCHANT and o["id"] not in known]
        if len(fd_orders) != FIRST * ROUNDS:
            raise RuntimeError(f"{len(fd_orders)} open first-delivery orders, expected {FIRST * ROUNDS}")
        log(f"seeded {want} links on the folio and {FIRST * ROUNDS} on the first deliveries' folio in "
            f"{time.monotonic() - t0:.1f} s (limit off)")
        off_spans = [(off_from, w.tail.mark())]
        limit_on(w)
        replay = replay_notification(w, created[0]["id"])
        batches = [[o["id"] for o in fd_orders[r * FIRST:(r + 1) * FIRST]] for r in range(ROUNDS)]

        startup_data = os.path.join(workdir, "startup-data")
        os.makedirs(startup_data, mode=0o700, exist_ok=True)
        startup(w, startup_data, True)  # creates and seeds its database once, not timed
        so_size_row(w, t)

        for rnd in range(ROUNDS):
            log(f"round {rnd + 1} of {ROUNDS}")
            run_round(w, t, rnd, replay, batches[rnd], startup_data)
        log(f"polling phase: {POLL_LINKS} open links")
        limit_rows(w, t, off_spans + [poll_phase(w, t)])
        log(f"migration: {MIGRATION_ROWS} pms.store rows to schema 5, {ROUNDS} round(s)")
        migration_row(w, t)

        commit = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "-C", source, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        header = (f"pms bench: commit {commit}{' + uncommitted changes' if dirty else ''}, "
                  f"{ROUNDS} round(s) × {SECONDS:g} s, {CONNECTIONS} connections (probe every "
                  f"{PROBE_INTERVAL_MS} ms), {os.cpu_count()} cores, caps raised: --max-views "
                  f"{max(VIEWS, STORM) + 64} --max-views-per-session {max(VIEWS, STORM) + 64}"
                  + (f", host io threads: --threads {HOST_THREADS}" if HOST_THREADS else "")
                  + (f", host heaps: {HOST_ARENAS} (MALLOC_ARENA_MAX, MALLOC_CONF=narenas)" if HOST_ARENAS else "")
                  + ("\nQUICK MODE: a smoke run proving every row is produced, not figures." if QUICK else ""))
        print(t.render(header))
        if os.environ.get("BENCH_CHECK_ROWS", "") not in ("", "0"):
            missing = missing_rows(t)
            if missing:
                log("FAILED: rows without a figure: " + ", ".join(missing))
                sys.exit(1)
            log(f"every one of the {len(EXPECTED_ROWS)} rows has its figures")
    finally:
        w.stop()
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
