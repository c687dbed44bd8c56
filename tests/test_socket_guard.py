import socket

import pytest

from tests.conftest import InternetAccessError


def test_internet_is_refused() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(InternetAccessError):
            s.connect(("93.184.216.34", 80))
    finally:
        s.close()


def test_name_resolution_is_refused() -> None:
    with pytest.raises(InternetAccessError):
        socket.getaddrinfo("api.binance.com", 443)


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()
