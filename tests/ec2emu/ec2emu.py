#!/usr/bin/python3
"""A local, stateful EC2 emulator for tests: AMIs, snapshots and tags over the EC2 Query API, with SigV4
verification, a policy to deny actions, fault injection and an unsigned JSON admin API (see README.md).

Run: /usr/bin/python3 tests/ec2emu/ec2emu.py --port 0
The first line on stdout is the endpoint URL (e.g. http://127.0.0.1:43123/); nothing else goes to stdout.
Standard library only, and no code shared with the C client, so each checks the other.
"""

import argparse
import os
import signal
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import emu_server  # noqa: E402
import emu_state  # noqa: E402


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Local EC2 emulator for tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--owner-id", default="123456789012")
    ap.add_argument("--pending-delay", type=float, default=0.5, help="seconds an image stays pending")
    ap.add_argument(
        "--deregistered-linger", type=float, default=5.0, help="seconds a deregistered image is still described"
    )
    ap.add_argument(
        "--protection-cooldown",
        type=float,
        default=86400.0,
        help="seconds an image stays undeletable after disabling protection enabled with cooldown",
    )
    ap.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    ap.add_argument("--tls-key", help="PEM private key for --tls-cert")
    ap.add_argument("--verbose", action="store_true", help="log each request on stderr")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if not args.owner_id.isdigit() or len(args.owner_id) != 12:
        ap.error("--owner-id must be 12 digits")
    return args


def on_sigterm(signum, frame):
    # Ends serve_forever cleanly so harnesses can stop us by pid.
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(argv)
    state = emu_state.State(
        args.region, args.owner_id, args.pending_delay, args.deregistered_linger, args.protection_cooldown
    )
    ctx = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    srv = emu_server.make_server(args.host, args.port, state, verbose=args.verbose, ssl_context=ctx)
    scheme = "https" if ctx else "http"
    host, port = srv.server_address[:2]
    sys.stdout.write(f"{scheme}://{host}:{port}/\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
