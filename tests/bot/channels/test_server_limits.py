"""What a client can make the server hold, against a real uvicorn server on loopback with the settings of
`daoban serve`: WebSocket frames are refused while being read, requests that never finish are cut off, every page
carries the security headers."""

from __future__ import annotations

import base64
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.server.headers import API_POLICY, PAGE_POLICY

FRAME = 15_000_000


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
        line = next(x for x in fh if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def open_socket(port: int, path: str) -> socket.socket:
    """A WebSocket handshake by hand, so the test controls every byte it sends."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def close_code(data: bytes) -> int | None:
    """The code of the close frame among the server's (unmasked) frames in `data`, if it arrived."""
    at = 0
    while at + 2 <= len(data):
        opcode, size = data[at] & 0x0F, data[at + 1] & 0x7F
        at += 2
        if size == 126:
            size, at = struct.unpack("!H", data[at:at + 2])[0], at + 2
        elif size == 127:
            size, at = struct.unpack("!Q", data[at:at + 8])[0], at + 8
        if opcode == 0x08 and at + 2 <= len(data):
            return int(struct.unpack("!H", data[at:at + 2])[0])
        at += size
    return None


def send_huge_frame(sock: socket.socket) -> tuple[int | None, float, int]:
    """Declare a 15 MB text frame and stream it in 64 KiB pieces until the server answers or drops the connection:
    (the close code it sent, if it could be read before the reset; seconds taken; bytes sent)."""
    started = time.monotonic()
    sock.sendall(struct.pack("!BBQ", 0x81, 0x80 | 127, FRAME) + b"\x00\x00\x00\x00")
    chunk = b"x" * 65_536
    code = None
    sent = 0
    try:
        for _ in range(FRAME // len(chunk)):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(chunk)
            sent += len(chunk)
        data = b""
        while code is None:
            more = sock.recv(4096)
            if not more:
                break
            data += more
            code = close_code(data)
    except OSError:
        pass
    return code, time.monotonic() - started, sent


def test_big_websocket_frames_are_refused_while_read(live_server: Callable[..., Any]) -> None:
    """16 sockets each declaring a 15 MB frame: each is closed (1009, or a reset that overtakes the close frame)
    long before the frame is sent, and memory stays flat (uvicorn's default would buffer 16 x 15 MB)."""
    server = live_server()
    peak = [rss_mb()]
    before = peak[0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.02)

    results: list[tuple[int | None, float, int]] = []

    def one(path: str) -> None:
        with open_socket(server.port, path) as sock:
            results.append(send_huge_frame(sock))

    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = [threading.Thread(target=one, args=("/v1/ws" if i % 2 else "/v1/voice",)) for i in range(16)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    done.set()
    watcher.join()
    assert len(results) == 16
    assert all(code in (1009, None) for code, _, _ in results) and any(code == 1009 for code, _, _ in results)
    assert max(seconds for _, seconds, _ in results) < 10
    assert max(sent for _, _, sent in results) < FRAME // 3, results
    assert peak[0] - before < 60, f"memory grew from {before:.0f} to {peak[0]:.0f} MB"


def test_a_message_under_the_frame_limit_gets_the_app_error(live_server: Callable[..., Any]) -> None:
    server = live_server()
    import websockets.sync.client as ws_client

    with ws_client.connect(f"ws://127.0.0.1:{server.port}/v1/ws", max_size=None) as ws:
        ws.send("x" * 20_000)
        assert '"status": 413' in str(ws.recv(timeout=10))
        ws.send('{"type": "ping"}')
        assert "pong" in str(ws.recv(timeout=10))


def test_requests_that_never_finish_are_cut_off(live_server: Callable[..., Any]) -> None:
    """Headers without a body, half a header, a silent connection: all closed at the deadline; a request that takes
    its time within the deadline is answered."""
    server = live_server(limits={"request_timeout_s": 1.0})
    starts = [b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
              b"GET /health HTTP/1.1\r\nHost: x\r\n", b""]
    socks = []
    for i in range(90):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(starts[i % 3])
        socks.append(sock)
    started = time.monotonic()
    answers: dict[int, bytes] = {}
    while len(answers) < len(socks) and time.monotonic() - started < 10:
        readable, _, _ = select.select([s for s in socks if s.fileno() not in answers], [], [], 0.2)
        for sock in readable:
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
            answers[sock.fileno()] = data
    elapsed = time.monotonic() - started
    for sock in socks:
        sock.close()
    assert len(answers) == 90 and elapsed < 6, (len(answers), elapsed)
    started_requests = [a for fd, a in answers.items() if a]
    assert len(started_requests) >= 60 and all(a.startswith(b"HTTP/1.1 408") for a in started_requests)

    slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    body = '{"text": "补办身份证要带什么材料"}'.encode()
    slow.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
    time.sleep(0.4)
    slow.sendall(body[10:])
    reply = b""
    while chunk := slow.recv(65536):
        reply += chunk
    slow.close()
    assert reply.startswith(b"HTTP/1.1 200") and b"HZ-003" in reply
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200


def test_security_headers_on_every_page(live_server: Callable[..., Any]) -> None:
    server = live_server()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for path, policy in (("/", PAGE_POLICY), ("/widget.js", API_POLICY), ("/widget.css", API_POLICY),
                             ("/openapi.json", API_POLICY), ("/health", API_POLICY), ("/missing", API_POLICY)):
            r = http.get(path)
            assert r.headers["content-security-policy"] == policy, path
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["referrer-policy"] == "no-referrer"
        docs = http.get("/docs")
        assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
        assert "script-src 'self';" in docs.headers["content-security-policy"]
        assert "cdn" not in docs.text and "<script>" not in docs.text
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert http.get(f"/docs/assets/{asset}").status_code == 200
        assert http.get("/docs/assets/..%2Fcore.py").status_code == 404
        too_big = http.post("/v1/chat", content=b"{" + b" " * 20_000 + b"}",
                            headers={"Content-Type": "application/json"})
        assert too_big.status_code == 413 and too_big.headers["x-content-type-options"] == "nosniff"
