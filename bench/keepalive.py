"""One prepared request sent again and again on one keep-alive HTTP/1.1 connection: the benchmarks'
load client, cheaper per request than the servers it measures (h11 reads the answers).

    client = KeepAlive(port, "POST", "/show/proc/status", body, "application/octet-stream")
    status, body = client.call()
"""

from __future__ import annotations

import socket

import h11

__all__ = ["KeepAlive"]


class KeepAlive:
    def __init__(self, port: int, method: str, path: str, body: bytes = b"", content_type: str = "") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = [("Host", f"127.0.0.1:{port}"), ("Content-Length", str(len(body)))]
        if content_type:
            headers.append(("Content-Type", content_type))
        self._request = h11.Request(method=method, target=path, headers=headers)
        self._body = body
        self._connection = h11.Connection(h11.CLIENT)

    def call(self) -> tuple[int, bytes]:
        """Send the request; the answer's status and body."""
        connection = self._connection
        if connection.our_state is h11.DONE and connection.their_state is h11.DONE:
            connection.start_next_cycle()
        data = connection.send(self._request) or b""
        if self._body:
            data += connection.send(h11.Data(data=self._body)) or b""
        data += connection.send(h11.EndOfMessage()) or b""
        self.sock.sendall(data)
        status, parts = 0, []
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(self.sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return status, b"".join(parts)

    def close(self) -> None:
        self.sock.close()
