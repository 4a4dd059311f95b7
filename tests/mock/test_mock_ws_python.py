"""The mock's WebSocket framing checked by an independent implementation:
Debian's python3-websockets (asyncio client, works with 10.x and later).
Usage: test_mock_ws_python.py TC_MOCK_BINARY. Exit 77 (skip) without websockets."""
import asyncio
import json
import subprocess
import sys
import urllib.request

try:
    import websockets
except ImportError:
    print("python3-websockets is not installed", file=sys.stderr)
    sys.exit(77)


def control(base, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


async def check(base, ws_base):
    # Welcome, keepalives within the 1 s window, pings answered by the library.
    async with websockets.connect(ws_base + "/ws?keepalive_timeout_seconds=1", max_size=2**22) as ws:
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert welcome["metadata"]["message_type"] == "session_welcome", welcome
        session = welcome["payload"]["session"]
        assert session["status"] == "connected" and session["keepalive_timeout_seconds"] == 1
        assert session["reconnect_url"] is None
        loop = asyncio.get_running_loop()
        last = loop.time()
        for _ in range(2):
            ka = json.loads(await asyncio.wait_for(ws.recv(), 2))
            assert ka["metadata"]["message_type"] == "session_keepalive", ka
            assert loop.time() - last < 1.0
            last = loop.time()
        # Frames with 7-, 16- and 64-bit lengths, binary, verbatim text.
        for size in (125, 126, 65535, 65536, 1 << 20):
            control(base, "/_mock/ws/send", {"session_id": session["id"], "size": size})
            msg = await asyncio.wait_for(ws.recv(), 5)
            while msg.startswith("{"):  # a keepalive may come first
                msg = await asyncio.wait_for(ws.recv(), 5)
            assert msg == "x" * size, (size, len(msg))
        control(base, "/_mock/ws/send", {"session_id": session["id"], "opcode": "binary", "data": "abc"})
        msg = await asyncio.wait_for(ws.recv(), 5)
        while isinstance(msg, str):
            msg = await asyncio.wait_for(ws.recv(), 5)
        assert msg == b"abc"
        # Close with a code and a reason.
        control(base, "/_mock/ws/close", {"session_id": session["id"], "code": 4005, "reason": "slow"})
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as e:
            assert e.code == 4005 and e.reason == "slow", (e.code, e.reason)
    stats = control(base, "/_mock/stats")
    assert stats["ws_pings"] >= 1 and stats["ws_keepalives"] >= 2, stats

    # Any client data frame (here fragmented) -> 4001; answering pings is fine.
    async with websockets.connect(ws_base + "/ws") as ws:
        await asyncio.wait_for(ws.recv(), 5)
        await ws.ping(b"hi")  # a client ping is answered, not punished
        await ws.send(iter(["frag", "mented"]))
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as e:
            assert e.code == 4001, e.code


def main():
    proc = subprocess.Popen([sys.argv[1], "--port", "0", "--ws-keepalive-min-s", "1", "--ws-ping-interval-ms", "200",
                             "--ws-pong-timeout-ms", "2000", "--ws-assign-timeout-ms", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().split()[-1]
        asyncio.run(check(base, base.replace("http", "ws", 1)))
    finally:
        proc.terminate()
        rc = proc.wait(10)
    # A clean stop (and, under the sanitizers, no report) exits 0.
    assert rc == 0, f"tc-mock exited with {rc}"
    print("ok")


main()
