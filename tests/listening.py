"""Where a `baton run` started with `--port 0` listens, read from its log.

Tests start `baton run` on port 0 and read the port it bound from its "listening" line. A port
picked by the test and passed in is free only until the test closes its probe: with tests
running in parallel, another test's server can bind it first, and the test would then talk to
that server instead of Baton.
"""

from __future__ import annotations

import re
from typing import IO

LISTENING = re.compile(r"Baton is listening on http://[^\s/]+:(\d+)/slack/events")


def port_in(log: str) -> int | None:
    """The port of the first "Baton is listening" line in `log`, if there is one yet."""
    match = LISTENING.search(log)
    return int(match.group(1)) if match else None


def read_port(stream: IO[str]) -> tuple[int | None, str]:
    """Read a process's log line by line up to its "Baton is listening" line.

    Returns the port (None if the log ended first: the process exited) and the text read, so
    the caller can still check all of the log."""
    lines: list[str] = []
    for line in iter(stream.readline, ""):
        lines.append(line)
        port = port_in(line)
        if port is not None:
            return port, "".join(lines)
    return None, "".join(lines)
