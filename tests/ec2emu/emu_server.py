"""HTTP front of the EC2 emulator: the EC2 Query endpoint (SigV4-checked, fault-injectable, logged) and the
unsigned JSON admin API under /_emu/.

Threads: ThreadingHTTPServer runs one thread per connection; every touch of the model happens under
`state.lock`. Faults that stall or cut the connection (delay, drop, truncate) act outside the lock so one
slow request never blocks the others.
"""

import datetime
import email.utils
import http.server
import json
import socket
import sys
import time
import traceback
import urllib.parse

import emu_ops
import emu_sigv4

MAX_BODY = 1 << 20
ADMIN_PREFIX = "/_emu/"

_FAULT_ERRORS = {
    "throttle": (400, "RequestLimitExceeded", "Request limit exceeded."),
    "internal-error": (500, "InternalError", "An internal error has occurred. Retry the request."),
    "unavailable": (503, "Unavailable", "The service is unavailable. Retry the request shortly."),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ec2emu"
    sys_version = ""

    # The server object carries the model and options (see make_server).
    @property
    def state(self):
        return self.server.state

    def date_time_string(self, timestamp=None):
        # send_response() writes the Date header from this: use the emulator clock, which tests may shift,
        # so clients can correct their skew from it as they would against EC2.
        return email.utils.formatdate(self.state.now() if timestamp is None else timestamp, usegmt=True)

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold every response back by ~40 ms, which EC2 does not do.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("ec2emu: " + (fmt % args) + "\n")

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        path, _, query = self.path.partition("?")
        length = self.headers.get("Content-Length")
        try:
            n = int(length) if length is not None else 0
            if n < 0 or n > MAX_BODY:
                raise ValueError(length)
        except ValueError:
            self.send_raw(413, "text/plain", b"request body missing a valid Content-Length or too large\n", close=True)
            return
        body = self.rfile.read(n) if n else b""
        try:
            if path.startswith(ADMIN_PREFIX):
                self.admin(method, path[len(ADMIN_PREFIX) :].strip("/"), query, body)
            else:
                self.ec2(method, path, query, body)
        except Exception:  # a bug in the emulator must show up as a 500, never as a hung client
            traceback.print_exc()
            self.send_raw(500, "text/plain", b"emulator bug; see its stderr\n", close=True)

    # -------------------------------------------------------------------------------------------------
    # EC2 endpoint

    def send_raw(self, status, ctype, payload, close=False, extra=None, cut=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload if cut is None else payload[:cut])
        self.wfile.flush()

    def ec2(self, method, path, query, body):
        state = self.state
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=False)
            if method == "POST":
                pairs += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            pairs = []
        params = {}
        for k, v in pairs:
            params[k] = v
        action = params.get("Action")
        entry = {
            "time": time.time(),
            "method": method,
            "action": action,
            "params": params,
            "body": body.decode("utf-8", "replace"),
            "status": None,
            "error_code": None,
            "fault": None,
            "access_key": None,
        }

        with state.lock:
            try:
                entry["access_key"] = emu_sigv4.verify(
                    method,
                    path,
                    query,
                    list(self.headers.items()),
                    body,
                    state.lookup_credentials,
                    state.region,
                    "ec2",
                    _aware(state.now()),
                )
                fault = state.faults.take(action)
            except emu_sigv4.AuthError as e:
                fault = None
                status, xml, code = e.status, emu_ops.error_xml(e.code, e.message), e.code
            else:
                status = xml = code = None
            entry["fault"] = fault["kind"] if fault else None
            if fault is None or fault["kind"] not in ("delay", "drop"):
                status, xml, code = self.run(fault, params, status, xml, code)
            entry["status"], entry["error_code"] = status, code
            state.record(entry)

        if fault and fault["kind"] == "drop":
            self.drop()
            return
        if fault and fault["kind"] == "delay":
            time.sleep(fault["delay"])
            with state.lock:
                status, xml, code = self.run(None, params, None, None, None)
                entry["status"], entry["error_code"] = status, code
        if fault and fault["kind"] == "drop-after":
            self.drop()
            return
        payload = xml.encode()
        cut = len(payload) // 2 if fault and fault["kind"] == "truncate" else None
        self.send_raw(
            status,
            "text/xml;charset=UTF-8",
            payload,
            close=cut is not None,
            extra={"x-amzn-RequestId": entry_request_id(xml)},
            cut=cut,
        )

    def run(self, fault, params, status, xml, code):
        """Applies an error-style fault, or runs the operation when the request got past auth."""
        if status is not None:
            return status, xml, code
        if fault and fault["kind"] in _FAULT_ERRORS:
            fstatus, fcode, fmsg = _FAULT_ERRORS[fault["kind"]]
            return fstatus, emu_ops.error_xml(fcode, fmsg), fcode
        return emu_ops.dispatch(self.state, params)

    def drop(self):
        """Closes the connection without any response, as a reset or a crashed front end would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -------------------------------------------------------------------------------------------------
    # Admin API (JSON, unsigned)

    def reply_json(self, status, obj):
        self.send_raw(status, "application/json", (json.dumps(obj, indent=1) + "\n").encode())

    def admin(self, method, route, query, body):
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as e:
            self.reply_json(400, {"error": f"invalid JSON: {e}"})
            return
        state = self.state
        key = (method, route)
        try:
            with state.lock:
                if key == ("GET", "health"):
                    result = {"ok": True}
                elif key == ("GET", "state"):
                    result = state.to_json()
                elif key == ("POST", "reset"):
                    state.reset()
                    result = {"ok": True}
                elif key == ("POST", "snapshots"):
                    result = state.seed_snapshot(data).to_json()
                elif key == ("POST", "images"):
                    result = state.seed_image(data).to_json()
                elif key == ("GET", "policy"):
                    result = state.policy
                elif key == ("POST", "policy"):
                    state.set_policy(data)
                    result = state.policy
                elif key == ("GET", "faults"):
                    result = state.faults.to_json()
                elif key == ("POST", "faults"):
                    if "rate" in data:
                        state.faults.set_random(data)
                    for spec in data.get("faults", [data] if "kind" in data else []):
                        state.faults.add(spec)
                    result = state.faults.to_json()
                elif key == ("DELETE", "faults"):
                    state.faults.queue.clear()
                    state.faults.random = None
                    result = state.faults.to_json()
                elif key == ("GET", "requests"):
                    want = urllib.parse.parse_qs(query).get("action")
                    result = [r for r in state.requests if not want or r["action"] in want]
                elif key == ("DELETE", "requests"):
                    state.requests.clear()
                    result = {"ok": True}
                elif key == ("POST", "credentials"):
                    ak, sk = data.get("access_key"), data.get("secret_key")
                    if not ak or not sk:
                        raise ValueError("access_key and secret_key are required")
                    state.credentials[ak] = (sk, data.get("session_token"))
                    result = {"access_keys": sorted(state.credentials)}
                elif key == ("POST", "clock"):
                    state.clock_offset = float(data.get("offset", 0))
                    result = {"offset": state.clock_offset}
                else:
                    self.reply_json(404, {"error": f"no admin route {method} /_emu/{route}"})
                    return
        except (ValueError, KeyError, TypeError) as e:
            self.reply_json(400, {"error": str(e)})
            return
        self.reply_json(200, result)


def entry_request_id(xml):
    for open_tag, close_tag in (("<requestId>", "</requestId>"), ("<RequestID>", "</RequestID>")):
        start = xml.find(open_tag)
        if start >= 0:
            return xml[start + len(open_tag) : xml.find(close_tag)]
    return ""


def _aware(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(host, port, state, verbose=False, ssl_context=None):
    srv = Server((host, port), Handler)
    srv.state = state
    srv.verbose = verbose
    if ssl_context is not None:
        srv.socket = ssl_context.wrap_socket(srv.socket, server_side=True)
    return srv
