"""Memory over a long run: one hub worker's resident set size across 100,000 orders.

The worker must stay flat: its RSS after the whole run may exceed its RSS after the first
chunk (warm: caches, pools and the relay's lag sample filled) by less than 50 MB.
Usage: ``python -m bench.soak [ORDERS] [CHUNK]`` (default 100,000 in chunks of 10,000).
"""

import asyncio
import sys
import tempfile

from bench.order_submit import drive, purge
from bench.servers import hub_server, load_average, relay_lag

LIMIT_MB = 50


async def main(orders: int, chunk: int) -> None:
    await purge("asi.order.submit", "asi.order.submit.dlq", "hub.partner.events")
    with tempfile.TemporaryDirectory() as folder:
        server = hub_server(f"sqlite:///{folder}/soak.db").start()
        samples: list[tuple[int, float, float]] = []
        try:
            done = 0
            while done < orders:
                result = await drive(f"soak {done}", "hub.asi", min(chunk, orders - done),
                                     "hub.out")
                done += result.count
                samples.append((done, server.rss_bytes() / 2**20, result.rate))
                print(f"  {done:>7,} orders  RSS {samples[-1][1]:7.1f} MB  "
                      f"{result.rate:5.0f} orders/s  load {load_average()}", flush=True)
        finally:
            log = server.stop()
    warm, last = samples[0][1], samples[-1][1]
    print(f"\nRSS after the first {samples[0][0]:,} orders: {warm:.1f} MB; after "
          f"{samples[-1][0]:,}: {last:.1f} MB; growth {last - warm:+.1f} MB "
          f"({'flat' if last - warm < LIMIT_MB else 'NOT flat'}: limit {LIMIT_MB} MB)")
    print(f"peak {max(s[1] for s in samples):.1f} MB; relay lag {relay_lag(log)}")


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [100_000, 10_000][len(arguments):])))
