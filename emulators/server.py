"""Serve an emulator's WSGI app on loopback, in a thread (tests) or in the foreground (demo)."""

import contextlib
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def make_loopback_server(app, port: int = 0, host: str = "127.0.0.1"):
    return make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


@contextlib.contextmanager
def serve_in_thread(app, port: int = 0):
    """Yield the base URL of `app` served on 127.0.0.1; stop it on exit."""
    server = make_loopback_server(app, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
