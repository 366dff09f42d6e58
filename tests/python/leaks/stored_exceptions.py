# SPDX-License-Identifier: MIT
"""Exceptions stored in a local: typeguard's check_union keeps every caller's frame alive.

Source:  agronholm/typeguard#408, https://github.com/agronholm/typeguard/pull/408
         (and #493, https://github.com/agronholm/typeguard/pull/493, the same fix in two more functions)
Culprit: the TypeCheckError objects check_union stored in its local `errors`
         dict — "By storing previously raised exceptions inside a local, this
         code created ref cycles that kept all locals in all calling stack
         frames alive. This is because exceptions hold references to their
         tracebacks, which hold references to the relevant frames, which
         holds a reference to the local errors dict that holds references to
         the exceptions" (hauntsaninja; the fix deletes the local before
         raising, and #493 applied it to two more functions).
Command: top
Expect:  TypeCheckError
Dumps:   1

An API server validates each request body against a Union of payload
types with a typeguard-style checker (check_type -> check_union, as in
typeguard 4 before the fix). A bad request fails every member of the
union; check_union keeps the member errors in `errors`, raises its own
TypeCheckError, the handler turns it into a 400 and returns. What is left
is one garbage cycle per bad request — the errors, their tracebacks and
the frames — and through the frames' f_back the handler's locals: the
decoded request body. The server runs with automatic collection off (as
services that gc.disable() or gc.freeze() do), so 40 bad requests are 40
such cycles at the dump. Unrelated live data: the good requests' results
and the route table.
"""

import gc
import os
import sys
import typing

import heapsnap


class TypeCheckError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self._path = []

    def append_path_element(self, element):
        self._path.append(element)


class CreateUser(typing.NamedTuple):
    name: str
    email: str


class DeleteUser(typing.NamedTuple):
    user_id: int


def get_type_name(t):
    return getattr(t, "__qualname__", repr(t))


def check_instance(value, cls):
    if not isinstance(value, cls):
        raise TypeCheckError("is not an instance of %s" % get_type_name(cls))


def check_union(value, args):
    errors = {}
    for type_ in args:
        try:
            check_instance(value, type_)
            return
        except TypeCheckError as exc:
            errors[get_type_name(type_)] = exc
    formatted_errors = "\n".join("  %s: %s" % (name, err) for name, err in errors.items())
    raise TypeCheckError("did not match any element in the union:\n" + formatted_errors)


def check_type(value, expected_type):
    origin = typing.get_origin(expected_type)
    if origin is typing.Union:
        check_union(value, typing.get_args(expected_type))
    else:
        check_instance(value, expected_type)


def decode(raw):
    body = {"raw": raw, "fields": raw.split(b"&"), "buffer": bytearray(raw) * 50}
    if raw.startswith(b"create"):
        return CreateUser("u", "u@example.org"), body
    return body["fields"], body


def handle_request(raw):
    payload, body = decode(raw)
    try:
        check_type(payload, typing.Union[CreateUser, DeleteUser])
    except TypeCheckError as e:
        return {"status": 400, "error": str(e)[:40]}
    return {"status": 200, "user": payload.name, "size": len(body["buffer"])}


def main():
    gc.disable()
    routes = {"/api/v1/%s/%d" % (r, i): r for r in ("users", "groups", "roles") for i in range(300)}
    results = []
    for i in range(200):
        if i % 5 == 0:
            raw = b"bogus&request&%d&" % i + b"x" * 1200
        else:
            raw = b"create&user&%d&" % i + b"y" * 300
        results.append(handle_request(raw))
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    # the leak itself: garbage cycles that only a collection frees
    before = sum(1 for o in gc.get_objects() if isinstance(o, TypeCheckError))
    gc.collect()
    after = sum(1 for o in gc.get_objects() if isinstance(o, TypeCheckError))
    if (before, after) != (40 * 2, 0):  # each bad request leaves its two member errors
        sys.exit("did not reproduce: %d TypeCheckErrors alive, %d after a collection" % (before, after))
    return routes, results


if __name__ == "__main__":
    keep = main()
