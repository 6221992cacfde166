"""The benchmark's account of where the cores went: each process's CPU to its party."""

import sys
import textwrap
import time
from pathlib import Path

from lxml import etree

from bench.chart import cores_svg
from bench.servers import CpuWatch, Server

# burns ``seconds`` of its own CPU once ``go`` exists, then says so
BURN = textwrap.dedent("""
    import os, sys, time
    go, seconds = sys.argv[1], float(sys.argv[2])
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    print("burnt", flush=True)
    time.sleep(60)
""")
# the same, with a child process of its own burning as long
SERVER = BURN.replace('print("ready", flush=True)', textwrap.dedent("""
    import subprocess
    child = subprocess.Popen([sys.executable, "-c", open(sys.argv[3]).read(), go, sys.argv[2]])
    print("ready", flush=True)"""))


def test_the_servers_cpu_and_its_childs_are_told_apart_from_the_generators(
        tmp_path: Path) -> None:
    burn, go = tmp_path / "burn.py", tmp_path / "go"
    burn.write_text(BURN)
    server = Server([sys.executable, "-c", SERVER, str(go), "0.3", str(burn)], {}, "ready")
    server.start()
    try:
        watch = CpuWatch([server])
        go.touch()
        while server.log.read_text().count("burnt") < 2:  # the server and its child
            time.sleep(0.01)
        split = watch.split(requests=10)
    finally:
        server.stop()
    # each burnt 300 ms, 30 ms per request over ten requests (the kernel counts in ticks)
    assert split.parts["server"] >= 25
    assert split.parts["started by the server"] >= 25
    assert split.total >= split.parts["server"] + split.parts["started by the server"]
    assert 0 < split.busy <= 1


def test_each_path_is_a_bar_of_its_parties_in_their_order() -> None:
    rows = [("raw aio-pika hop", [("server", 1.5), ("broker", 1.2), ("load generator", 0.8)],
             0.9),
            ("hub, SQLite", [("server", 2.5), ("started by the server", 1.0),
                             ("broker", 1.5), ("load generator", 0.8), ("other", 0.2)], 0.87)]
    svg = etree.fromstring(cores_svg("t", rows).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    segments = [r for r in svg.findall("s:rect", ns) if r.find("s:title", ns) is not None]
    assert [r.find("s:title", ns).text for r in segments][:3] == [
        "server: 1.50 ms", "broker: 1.20 ms", "load generator: 0.80 ms"]
    assert len(segments) == 8
    # one scale for every bar: the hub's 6.0 ms reach twice as far as the raw hop's 3.5 ms...
    raw = sum(float(r.get("width")) for r in segments[:3])
    hub = sum(float(r.get("width")) for r in segments[3:])
    assert abs(hub / raw - 6.0 / 3.5) < 1e-3
    # ...and each segment starts where the one before it ends
    assert float(segments[1].get("x")) == float(segments[0].get("x")) + float(
        segments[0].get("width"))
    texts = [t.text for t in svg.findall("s:text", ns)]
    assert "3.5 ms (90 % busy)" in texts and "6.0 ms (87 % busy)" in texts
    assert "its relay process" in texts
