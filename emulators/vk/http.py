"""Small WSGI helpers for the VK emulator: reading form and multipart bodies, writing answers."""

import json
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl


def read_body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Fields of a multipart/form-data body: name -> (filename, bytes)."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


def request_params(environ) -> tuple[dict[str, str] | None, str]:
    """Query string and body parameters; (None, reason) when the body is not form-encoded."""
    params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    content_type = environ.get("CONTENT_TYPE", "") or ""
    body = read_body(environ)
    if not body:
        return params, ""
    if content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        for name, (_filename, value) in parse_multipart(content_type, body).items():
            params[name] = value.decode("utf-8", errors="replace")
    else:
        return None, f"unsupported body {content_type or 'without Content-Type'}: send form-encoded parameters"
    return params, ""


def json_response(start_response, payload, status: str = "200 OK") -> list[bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def raw_response(start_response, status: str, body: bytes, content_type: str = "text/html", headers=()) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers])
    return [body]
