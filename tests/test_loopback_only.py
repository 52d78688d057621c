"""The suite's guard: nothing a test runs can reach past this machine."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_to_another_host_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(OSError, match=r"only contact 127\.0\.0\.1"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_a_name_lookup_is_refused() -> None:
    with pytest.raises(socket.gaierror, match=r"only contact 127\.0\.0\.1"):
        socket.getaddrinfo("archive.invalid", 443)  # a reserved name


def test_the_loopback_still_answers() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
