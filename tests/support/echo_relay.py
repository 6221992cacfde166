"""A stand-in relay process for the worker's side of the pipe: it confirms what it is handed.

Reads the worker's frames and answers each with the ids it was handed, as if the broker had
confirmed them all. ``ECHO_HOLD=N`` keeps its answers until N messages arrived (so the
worker's backlog fills); ``ECHO_DIE=1`` exits without a word after the first frame (a relay
process killed with messages in hand). Run as ``python -m tests.support.echo_relay``.
"""

import asyncio
import os
import sys

from hub.delivery.relay_process import frame, read_frames


async def main() -> None:
    hold, die = int(os.environ.get("ECHO_HOLD", "0")), os.environ.get("ECHO_DIE") == "1"
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    held: list[str] = []
    async for _committed, messages in read_frames(reader):
        if die:
            os._exit(1)
        held.extend(m.message_id for m in messages)
        if len(held) >= hold:
            out.write(frame((held, 0)))
            out.flush()
            held = []
    out.write(frame((held, 0)))
    out.flush()


if __name__ == "__main__":
    asyncio.run(main())
