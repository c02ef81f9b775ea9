"""The subset of VKScript that EvoSync sends to `execute`.

    return [API.market.add({"owner_id": -1, "name": "Чай"}), API.market.get({"owner_id": -1})];
    return API.users.get({});

Arguments are literals: object literals with quoted or bare keys, strings (double or single
quotes, JSON escapes), numbers, true/false/null, arrays. Anything else is error 12.
"""

import json
import re

from emulators.vk.schema import VkFault

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


class _Parser:
    def __init__(self, code: str):
        self.code = code
        self.pos = 0

    def fail(self, what: str):
        raise VkFault(12, f"{what} at position {self.pos}")

    def skip_space(self):
        while self.pos < len(self.code) and self.code[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.code[self.pos] if self.pos < len(self.code) else ""

    def expect(self, text: str):
        self.skip_space()
        if not self.code.startswith(text, self.pos):
            self.fail(f"expected {text!r}")
        self.pos += len(text)

    def ident(self) -> str:
        self.skip_space()
        match = _IDENT.match(self.code, self.pos)
        if not match:
            self.fail("expected a name")
        self.pos = match.end()
        return match.group()

    def program(self) -> tuple[list[tuple[str, dict]], bool]:
        """The calls in order, and whether the program returns a list."""
        self.expect("return")
        if self.peek() == "[":
            self.pos += 1
            calls = []
            while self.peek() != "]":
                calls.append(self.api_call())
                if self.peek() == ",":
                    self.pos += 1
                elif self.peek() != "]":
                    self.fail("expected ',' or ']'")
            self.pos += 1
            as_list = True
        else:
            calls, as_list = [self.api_call()], False
        if self.peek() == ";":
            self.pos += 1
        if self.peek():
            self.fail("unexpected text after return")
        return calls, as_list

    def api_call(self) -> tuple[str, dict]:
        if self.ident() != "API":
            self.fail("expected API.")
        parts = []
        while self.peek() == ".":
            self.pos += 1
            parts.append(self.ident())
        if len(parts) != 2:
            self.fail("expected API.section.method")
        self.expect("(")
        args = {} if self.peek() == ")" else self.value()
        if not isinstance(args, dict):
            self.fail("expected an object literal")
        self.expect(")")
        return ".".join(parts), args

    def value(self):
        char = self.peek()
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char in "\"'":
            return self.string()
        match = _NUMBER.match(self.code, self.pos)
        if match:
            self.pos = match.end()
            return json.loads(match.group())
        word = self.ident()
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        self.fail(f"variables are not supported ({word})")

    def object(self) -> dict:
        self.expect("{")
        result = {}
        while self.peek() != "}":
            key = self.string() if self.peek() in "\"'" else self.ident()
            self.expect(":")
            result[key] = self.value()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "}":
                self.fail("expected ',' or '}'")
        self.pos += 1
        return result

    def array(self) -> list:
        self.expect("[")
        items = []
        while self.peek() != "]":
            items.append(self.value())
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "]":
                self.fail("expected ',' or ']'")
        self.pos += 1
        return items

    def string(self) -> str:
        quote = self.peek()
        start = self.pos
        self.pos += 1
        while self.pos < len(self.code):
            char = self.code[self.pos]
            if char == "\\":
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                body = self.code[start + 1 : self.pos - 1]
                if quote == "'":
                    body = body.replace('\\"', '"').replace("\\'", "'").replace('"', '\\"')
                try:
                    return json.loads(f'"{body}"')
                except json.JSONDecodeError:
                    self.fail("bad string literal")
            self.pos += 1
        self.fail("unterminated string")


def parse(code: str) -> tuple[list[tuple[str, dict]], bool]:
    """Parse an execute program into [(method, literal args)], and whether it returns a list."""
    return _Parser(code or "").program()


def methods_in(method: str, params: dict | None) -> set[str]:
    """The API methods a request calls: its own, and for execute the calls in its code (if it parses)."""
    if method != "execute" or not params:
        return {method}
    try:
        calls, _ = parse(params.get("code", ""))
    except VkFault:
        return {method}
    return {method, *(name for name, _ in calls)}


def as_param(value) -> str:
    """A literal argument as VK sees it over HTTP: lists comma-joined, booleans 0/1."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(as_param(v) for v in value)
    if value is None:
        return ""
    return str(value)
