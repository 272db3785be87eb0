"""The container driver's own checks: what a scenario meets when the deployment is broken.
A unit that fails, a port that never opens, a command that hangs and a container that cannot
boot must each end in a bounded time with the failing step and the evidence named (the
unit's journal, the console), and nothing may be left behind.

Run by `run.py selftest --rootfs DIR`; prints "driver: N passed, M failed".
"""
from __future__ import annotations

import contextlib
import io
import tempfile
import time
from pathlib import Path
from typing import Callable

import driver
import provision


def expect_failure(name: str, action: Callable[[], object], within: float, evidence: str) -> bool:
    """`action` must raise RequestedAssertionFailed within `within` seconds, and what the
    driver printed (or the error) must contain `evidence`."""
    printed = io.StringIO()
    started = time.monotonic()
    try:
        with contextlib.redirect_stdout(printed):
            action()
    except driver.RequestedAssertionFailed as error:
        took = time.monotonic() - started
        text = printed.getvalue() + str(error)
        if took > within:
            print(f"driver: FAILED {name}: took {took:.1f} s (limit {within} s)")
            return False
        if evidence not in text:
            print(f"driver: FAILED {name}: no {evidence!r} in what it reported:\n{text}")
            return False
        print(f"driver: ok {name} ({took:.1f} s)")
        return True
    print(f"driver: FAILED {name}: did not fail")
    return False


def main(rootfs: Path) -> int:
    driver.leftovers()
    work = Path(tempfile.mkdtemp(prefix=f"{driver.PREFIX}-selftest-"))
    network = driver.Network("selftest")
    machines: dict[str, driver.Machine] = {}
    results: list[bool] = []

    def broken_unit(root: Path) -> None:
        provision.common(root, "host", {"host": {"address": "192.168.7.1", "aliases": []}})
        provision.unit(root, "broken.service", "[Service]\nType=oneshot\n"
                       "ExecStart=/bin/sh -c 'echo the-broken-unit-says-why; exit 3'\n")

    def no_init(root: Path) -> None:
        provision.common(root, "noinit", {})
        (root / "sbin/init").unlink()
        (root / "lib/systemd/systemd").rename(root / "lib/systemd/systemd.away")

    with driver.torn_down(network, machines, work):
        host = driver.Machine("host", rootfs, work, network.attach("host", "192.168.7.1"), [], broken_unit)
        machines["host"] = host
        host.start()

        def start_broken_unit() -> None:
            host.systemctl("start --no-block broken.service")
            host.wait_for_unit("broken.service", timeout=60)

        results.append(expect_failure(
            "a unit that fails ends the wait with its journal",
            start_broken_unit,
            within=60, evidence="the-broken-unit-says-why"))
        results.append(expect_failure(
            "a port that never opens ends at its timeout",
            lambda: host.wait_for_open_port(4321, timeout=5), within=15, evidence="timed out"))
        results.append(expect_failure(
            "a command that hangs ends at its timeout",
            lambda: host.succeed("sleep 60", timeout=3), within=10, evidence="exit code 124"))
        results.append(expect_failure(
            "a failing command names itself",
            lambda: host.succeed("exit 7"), within=10, evidence="exit code 7"))
        noinit = driver.Machine("noinit", rootfs, work, network.attach("noinit", "192.168.7.2"), [], no_init)
        machines["noinit"] = noinit
        noinit.start()
        results.append(expect_failure(
            "a container that cannot boot ends with its console",
            lambda: noinit._wait_booted(timeout=30), within=40, evidence="systemd-nspawn"))
    leftover = [line for line in Path("/proc/mounts").read_text().splitlines() if f"/{driver.PREFIX}-selftest" in line]
    namespaces = [name for name in driver.run("ip", "netns", "list", check=False).stdout.split()
                  if name.startswith(f"{driver.PREFIX}-")]
    clean = not leftover and not namespaces and not work.exists()
    print(f"driver: {'ok' if clean else 'FAILED'} nothing is left behind"
          + ("" if clean else f": {leftover} {namespaces} {work.exists()}"))
    results.append(clean)
    passed = sum(results)
    print(f"driver: {passed} passed, {len(results) - passed} failed", flush=True)
    return 0 if passed == len(results) else 1
