"""A loopback TCP balancer for the scale-out benchmark: each ``--group`` of backends gets
one listening port, and the connections it accepts go to the group's backends in turn
(round robin, as a reverse proxy in front of several web processes does). Bytes are
copied both ways unchanged, so websockets pass through.

    python bench/tcp_balancer.py --group 127.0.0.1:8001,127.0.0.1:8002 --group ... \
        [--map /tmp/where.txt]

Prints the listening ports (one per group, space-separated) on its first line of output.
With ``--map`` it appends ``<client port> <group> <backend index>`` for every accepted
connection, so the benchmark can tell which process served which socket. Stops on
SIGTERM; binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
from typing import TextIO

CHUNK = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


class Group:
    def __init__(self, index: int, backends: list[tuple[str, int]], log: TextIO | None) -> None:
        self.index = index
        self.backends = backends
        self.turn = 0
        self.log = log

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chosen = self.turn % len(self.backends)
        self.turn += 1
        if self.log is not None:
            peer = writer.get_extra_info("peername")
            self.log.write(f"{peer[1]} {self.index} {chosen}\n")
            self.log.flush()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.backends[chosen])
        except OSError:
            writer.close()
            return
        for w in (writer, up_writer):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def main(groups: list[list[tuple[str, int]]], map_path: str | None) -> None:
    log = open(map_path, "a") if map_path else None  # noqa: SIM115
    servers = []
    for index, backends in enumerate(groups):
        group = Group(index, backends, log)
        servers.append(await asyncio.start_server(group.serve, "127.0.0.1", 0, backlog=4096))
    ports = [str(s.sockets[0].getsockname()[1]) for s in servers]
    print(" ".join(ports), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    for server in servers:
        server.close()
    if log is not None:
        log.close()


def _backends(text: str) -> list[tuple[str, int]]:
    out = []
    for item in text.split(","):
        host, _, port = item.rpartition(":")
        if host != "127.0.0.1":
            raise SystemExit("backends must be on loopback (127.0.0.1)")
        out.append((host, int(port)))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--group", action="append", required=True, type=_backends)
    parser.add_argument("--map", help="append where each connection went to this file")
    args = parser.parse_args()
    asyncio.run(main(args.group, args.map))
