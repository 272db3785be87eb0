"""A small test driver that runs a NixOS test script (nixos/tests/*.py) against systemd-nspawn
containers instead of QEMU VMs.

It offers exactly the part of the NixOS test driver's API that our scripts use, with the same
signatures (nixos/lib/test-driver/src/test_driver/machine/__init__.py and driver.py of
nixpkgs): `start_all`, `subtest`, `retry` and `Machine.start/shutdown/execute/succeed/fail/
wait_until_succeeds/wait_until_fails/wait_for_unit/get_unit_property/systemctl/
wait_for_open_port/wait_for_closed_port/wait_for_file/copy_from_host/sleep/log`. Timeouts are
seconds or `datetime.timedelta`, as there.

Each machine is a Debian 12 root (nixos/containers/rootfs.sh) booted by systemd-nspawn with
systemd as PID 1, on an overlay of its own, in a network namespace of its own joined to the
scenario's bridge (inside a namespace too: no packet reaches the host's network). Commands
run in all of the container's namespaces (nsenter) under `bash -euo pipefail`, as the NixOS
driver runs them. Everything is torn down on success, failure or interrupt.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

Duration = dt.timedelta | int | float
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PREFIX = "shtest"  # every namespace, link and machine name starts with this


class RequestedAssertionFailed(AssertionError):
    """A step of the script failed (the NixOS driver's exception of the same name)."""


def fail_now(message: str) -> None:
    raise RequestedAssertionFailed(message)


def seconds(duration: Duration | None) -> float | None:
    if duration is None:
        return None
    if isinstance(duration, dt.timedelta):
        return duration.total_seconds()
    return float(duration)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def retry(fn: Callable, timeout_seconds: Duration | None = None, timeout: Duration | None = None) -> None:
    """Calls `fn(last_try)` every second until it returns True; fails after the timeout
    (15 minutes by default), as the NixOS driver's `retry`."""
    given = seconds(timeout if timeout is not None else timeout_seconds)
    limit = 900.0 if given is None else given
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if fn(False):
            return
        time.sleep(1)
    if not fn(True):
        raise RequestedAssertionFailed(f"action timed out after {time.monotonic() - start:.1f} s")


def run(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, text=True, capture_output=True, **kwargs)


class Network:
    """A bridge in a namespace of its own, and one namespace per machine joined to it by a
    veth pair (`eth1` inside, as in NixOS VM tests)."""

    def __init__(self, name: str) -> None:
        self.switch = f"{PREFIX}-{name}-sw"
        self.namespaces: list[str] = []
        run("ip", "netns", "add", self.switch)
        run("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.switch, "link", "set", "br0", "up")

    def attach(self, machine: str, address: str) -> str:
        namespace = f"{PREFIX}-{machine}"
        run("ip", "netns", "add", namespace)
        self.namespaces.append(namespace)
        port = f"{machine[:10]}"
        run("ip", "link", "add", port, "netns", self.switch, "type", "veth",
            "peer", "name", "eth1", "netns", namespace)
        run("ip", "-n", self.switch, "link", "set", port, "master", "br0", "up")
        run("ip", "-n", namespace, "link", "set", "lo", "up")
        run("ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", "eth1")
        run("ip", "-n", namespace, "link", "set", "eth1", "up")
        return f"/run/netns/{namespace}"

    def remove(self) -> None:
        for namespace in [*self.namespaces, self.switch]:
            run("ip", "netns", "del", namespace, check=False)


class Machine:
    """One container host, started with `start()` (asynchronous, like the NixOS driver's)."""

    def __init__(self, name: str, rootfs: Path, work: Path, netns: str,
                 binds: list[tuple[str, str]], prepare: Callable[[Path], None]) -> None:
        self.name = name
        self.rootfs = rootfs
        self.work = work / name
        self.root = self.work / "root"
        self.netns = netns
        self.binds = binds
        self.process: subprocess.Popen | None = None
        self.leader: int | None = None
        self.booted = False
        for directory in ["upper", "overlay-work", "root"]:
            (self.work / directory).mkdir(parents=True)
        run("mount", "-t", "overlay", "overlay", "-o",
            f"lowerdir={rootfs},upperdir={self.work}/upper,workdir={self.work}/overlay-work",
            str(self.root))
        try:
            prepare(self.root)
        except BaseException:
            self.remove()
            raise

    def __repr__(self) -> str:
        return f"<Machine '{self.name}'>"

    # Lifecycle.
    def is_up(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.is_up():
            return
        self.log("starting")
        console = open(self.work / "console.log", "ab")
        command = [
            "systemd-nspawn", "--quiet", "--boot", "--directory", str(self.root),
            f"--machine={PREFIX}-{self.name}", "--register=no", "--keep-unit",
            f"--network-namespace-path={self.netns}", "--console=pipe",
            "--resolv-conf=off", "--timezone=off", "--link-journal=no",
            # systemd's IP firewall (IPAddressAllow/Deny) attaches BPF programs to cgroups:
            # it needs the unified hierarchy and the bpf() system call, which nspawn's
            # default filter refuses. Without both, those settings silently do nothing.
            "--system-call-filter=bpf",
        ] + [f"--bind-ro={source}:{target}" for source, target in self.binds]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=console,
                                        env={**os.environ, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1"},
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.booted = False
        self.leader = None

    def _wait_booted(self, timeout: float = 180) -> None:
        if self.booted:
            return
        if self.process is None:
            raise RequestedAssertionFailed(f"{self.name} was never started")
        deadline = time.monotonic() + timeout
        while self.leader is None:
            if self.process.poll() is not None:
                raise RequestedAssertionFailed(f"{self.name}: systemd-nspawn exited ({self.process.returncode}):\n"
                                               + self.console_tail())
            self.leader = self._find_leader()
            if self.leader is not None:
                break
            if time.monotonic() > deadline:
                raise RequestedAssertionFailed(f"{self.name} did not start:\n{self.console_tail()}")
            else:
                time.sleep(0.1)
        while True:
            # Commands run once systemd manages the machine, as the NixOS driver's shell does
            # (its backdoor starts during boot): a script waits for units itself.
            state = self._nsenter(["systemctl", "is-system-running"], timeout=10).stdout.strip()
            if state in ("starting", "running", "degraded"):
                break
            if time.monotonic() > deadline:
                raise RequestedAssertionFailed(f"{self.name} did not finish booting ({state!r}):\n"
                                               + self.console_tail())
            time.sleep(0.2)
        self.booted = True
        self.log(f"up ({state})")

    def _find_leader(self) -> int | None:
        """The container's PID 1: nspawn's child in a PID namespace other than ours (nspawn
        forks short-lived helpers in ours first)."""
        if self.process is None:
            return None
        ours = os.readlink("/proc/self/ns/pid")
        for child in run("pgrep", "-P", str(self.process.pid), check=False).stdout.split():
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{child}/ns/pid") != ours:
                    return int(child)
        return None

    def shutdown(self) -> None:
        """Powers the machine off and waits until it is gone."""
        if not self.is_up():
            return
        self.log("shutting down")
        # nspawn turns SIGTERM into the container's poweroff.
        assert self.process is not None
        self.process.terminate()
        self.wait_for_shutdown(dt.timedelta(seconds=60))

    def wait_for_shutdown(self, timeout: dt.timedelta | None = None) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=seconds(timeout) or 900)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RequestedAssertionFailed(f"{self.name} did not power off")
        self.booted = False

    def kill(self) -> None:
        """Ends the container at once: killing its PID 1 kills every process of its PID
        namespace (also those our commands started), then nspawn exits."""
        if self.process is None or self.process.poll() is not None:
            return
        leader = self.leader or self._find_leader()
        if leader is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(leader, signal.SIGKILL)
        else:
            # Not started yet: nspawn ends its container when asked.
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def remove(self) -> None:
        self.kill()
        run("umount", "--lazy", str(self.root), check=False)

    # Commands.
    def _nsenter(self, argv: list[str], timeout: float | None) -> subprocess.CompletedProcess:
        assert self.leader is not None
        command = ["nsenter", f"--target={self.leader}", "--all", "--",
                   "env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8", "TERM=dumb", *argv]
        return subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              encoding="utf-8", errors="replace")

    def log(self, msg: str) -> None:
        log(f"{self.name}: {msg}")

    def execute(self, command: str, check_return: bool = True, check_output: bool = True,
                timeout: Duration | None = dt.timedelta(minutes=15)) -> tuple[int, str]:
        self._wait_booted()
        limit = seconds(timeout)
        # As the NixOS driver: the machine's `timeout` ends the command (exit code 124).
        argv = ["bash", "-euo", "pipefail", "-c", command]
        if limit is not None:
            argv = ["timeout", "--kill-after=5", str(limit), *argv]
        try:
            result = self._nsenter(argv, timeout=None if limit is None else limit + 30)
        except subprocess.TimeoutExpired:
            raise RequestedAssertionFailed(f"{self.name}: `{command}` hung past {limit} s")
        if result.stderr.strip():
            for line in result.stderr.rstrip().splitlines()[-20:]:
                self.log(f"  {line}")
        return (result.returncode if check_return else -1), (result.stdout if check_output else "")

    def succeed(self, *commands: str, timeout: Duration | None = None) -> str:
        output = ""
        for command in commands:
            self.log(f"must succeed: {command}")
            status, out = self.execute(command, timeout=timeout)
            if status != 0:
                self.log(f"output: {out}")
                raise RequestedAssertionFailed(f"{self.name}: command `{command}` failed (exit code {status})")
            output += out
        return output

    def fail(self, *commands: str, timeout: Duration | None = None) -> str:
        output = ""
        for command in commands:
            self.log(f"must fail: {command}")
            status, out = self.execute(command, timeout=timeout)
            if status == 0:
                raise RequestedAssertionFailed(f"{self.name}: command `{command}` unexpectedly succeeded")
            output += out
        return output

    def wait_until_succeeds(self, command: str, timeout: Duration = dt.timedelta(minutes=15)) -> str:
        return self._wait_until(command, timeout, success=True)

    def wait_until_fails(self, command: str, timeout: Duration = dt.timedelta(minutes=15)) -> str:
        return self._wait_until(command, timeout, success=False)

    def _wait_until(self, command: str, timeout: Duration, success: bool) -> str:
        """Runs `command` every second until it succeeds (or fails); its last output."""
        output = ""

        def check(_last_try: bool) -> bool:
            nonlocal output
            status, output = self.execute(command, timeout=timeout)
            return (status == 0) == success

        self.log(f"waiting for {'success' if success else 'failure'}: {command}")
        retry(check, timeout=timeout)
        return output

    def systemctl(self, q: str, user: str | None = None) -> tuple[int, str]:
        if user is not None:
            raise NotImplementedError("systemctl --user is not used by our scripts")
        return self.execute(f"systemctl {q}")

    def get_unit_property(self, unit: str, property: str, user: str | None = None) -> str:
        status, out = self.systemctl(f"--no-pager show --property={shlex.quote(property)} --value {shlex.quote(unit)}", user)
        if status != 0:
            raise RequestedAssertionFailed(f"{self.name}: systemctl show {unit} failed ({status})")
        return out.strip()

    def wait_for_unit(self, unit: str, user: str | None = None, timeout: Duration = dt.timedelta(minutes=15)) -> None:
        def check_active(_last_try: bool) -> bool:
            state = self.get_unit_property(unit, "ActiveState", user)
            if state == "failed":
                self.dump_journal(unit)
                raise RequestedAssertionFailed(f'{self.name}: unit "{unit}" reached state "{state}"')
            if state == "inactive":
                _, jobs = self.systemctl("list-jobs --full 2>&1", user)
                if "No jobs" in jobs and self.get_unit_property(unit, "ActiveState", user) == state:
                    self.dump_journal(unit)
                    raise RequestedAssertionFailed(f'{self.name}: unit "{unit}" is inactive and there are no pending jobs')
            return state == "active"

        self.log(f"waiting for unit {unit}")
        try:
            retry(check_active, timeout=timeout)
        except RequestedAssertionFailed:
            self.dump_journal(unit)
            raise

    def wait_for_open_port(self, port: int, addr: str = "localhost", timeout: Duration = dt.timedelta(minutes=15)) -> None:
        self.log(f"waiting for TCP port {port} on {addr}")
        retry(lambda _: self.execute(f"nc -z {addr} {port}")[0] == 0, timeout=timeout)

    def wait_for_closed_port(self, port: int, addr: str = "localhost", timeout: Duration = dt.timedelta(minutes=15)) -> None:
        self.log(f"waiting for TCP port {port} on {addr} to be closed")
        retry(lambda _: self.execute(f"nc -z {addr} {port}")[0] != 0, timeout=timeout)

    def wait_for_file(self, filename: str, timeout: Duration = dt.timedelta(minutes=15)) -> None:
        self.log(f"waiting for file {filename}")
        retry(lambda _: self.execute(f"test -e {filename}")[0] == 0, timeout=timeout)

    def copy_from_host(self, source: str, target: str) -> None:
        data = Path(source).read_bytes()
        self._wait_booted()
        assert self.leader is not None
        subprocess.run(["nsenter", f"--target={self.leader}", "--all", "--", "/bin/sh", "-c",
                        f'mkdir -p "$(dirname {shlex.quote(target)})" && cat > {shlex.quote(target)}'],
                       input=data, check=True)

    def sleep(self, secs: Duration | None = None, duration: dt.timedelta | None = None) -> None:
        time.sleep(seconds(duration if duration is not None else secs) or 0)

    # Diagnostics.
    def console_tail(self, lines: int = 40) -> str:
        path = self.work / "console.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def dump_journal(self, unit: str | None = None) -> None:
        if not self.booted:
            print(self.console_tail(), flush=True)
            return
        what = f"-u {shlex.quote(unit)}" if unit else ""
        with contextlib.suppress(Exception):
            lines = 80 if unit else 30
            out = self._nsenter(["bash", "-c", f"journalctl --no-pager -b -n {lines} {what}"], timeout=30).stdout
            print(f"----- {self.name}: journal {unit or ''} -----\n{out}-----", flush=True)

    def dump_failed_units(self) -> None:
        if self.is_up() and not self.booted:
            with contextlib.suppress(Exception):
                self._wait_booted(timeout=20)
        if not self.is_up():
            return
        if not self.booted:
            print(f"----- {self.name} (not booted): console -----\n{self.console_tail()}", flush=True)
            return
        with contextlib.suppress(Exception):
            failed = self._nsenter(["systemctl", "--failed", "--no-legend", "--plain"], timeout=30).stdout.split("\n")
            for line in failed:
                if line.strip():
                    self.dump_journal(line.split()[0])
            # What happened last on the machine (a port that never opened has no failed unit).
            self.dump_journal()


class Driver:
    """Runs one test script against machines; counts its subtests."""

    def __init__(self, machines: dict[str, Machine]) -> None:
        self.machines = machines
        self.passed = 0
        self.failed = 0
        self.current: str | None = None

    def start_all(self) -> None:
        for machine in self.machines.values():
            machine.start()

    @contextlib.contextmanager
    def subtest(self, name: str) -> Iterator[None]:
        self.current = name
        log(f"subtest: {name}")
        started = time.monotonic()
        try:
            yield
        except Exception:
            self.failed += 1
            log(f"FAILED subtest: {name} ({time.monotonic() - started:.1f} s)")
            raise
        self.passed += 1
        log(f"passed subtest: {name} ({time.monotonic() - started:.1f} s)")
        self.current = None

    def run_script(self, script: str, parameters_file: str, filename: str) -> None:
        symbols: dict = {
            "start_all": self.start_all,
            "subtest": self.subtest,
            "retry": retry,
            "machines": list(self.machines.values()),
            "parameters_file": parameters_file,
            "__name__": "__main__",
            **self.machines,
        }
        exec(compile(script, filename, "exec"), symbols)


def leftovers() -> None:
    """Removes what an interrupted run of ours left: its containers, namespaces and overlay
    mounts (one run at a time on a machine)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if f"--machine={PREFIX}-".encode() in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
    for name in run("ip", "netns", "list", check=False).stdout.split("\n"):
        name = name.split(" ")[0]
        if name.startswith(PREFIX + "-"):
            run("ip", "netns", "del", name, check=False)
    for line in Path("/proc/mounts").read_text().splitlines():
        target = line.split()[1]
        if target.endswith("/root") and f"/{PREFIX}-" in target:
            run("umount", "--lazy", target, check=False)
    for work in Path(tempfile.gettempdir()).glob(f"{PREFIX}-*"):
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def torn_down(network: Network, machines: dict[str, Machine], work: Path) -> Iterator[None]:
    """Tears every container, namespace and overlay down, whatever happens (also on SIGTERM)."""
    handled = [signal.SIGTERM, signal.SIGHUP]
    previous = {number: signal.signal(number, lambda number, _: sys.exit(128 + number)) for number in handled}
    try:
        yield
    finally:
        # A second signal must not interrupt the teardown.
        for number in handled:
            signal.signal(number, signal.SIG_IGN)
        for machine in machines.values():
            machine.remove()
        network.remove()
        shutil.rmtree(work, ignore_errors=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
