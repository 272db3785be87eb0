#!/usr/bin/env python3
"""Runs a VM test's own script against systemd-nspawn containers (nixos/containers/driver.py).

  run.py single-host --rootfs DIR --backend BIN --genuine-match BIN --web-root DIR \
      --nixpkgs-lib DIR --nixos-reference DIR

The scenario's nodes come from the same Nix file the VM test uses (nixos/tests/scenarios/single-host.nix);
nodes with services.stellar-heads are rendered from the module (nixos/containers/render.nix),
the rest stand in for NixOS test modules (nixos/containers/provision.py). First the script is
type-checked with mypy against the NixOS driver's API, as the NixOS driver does. Prints
"SCENARIO: N passed, M failed" (a subtest each) and exits non-zero on any failure.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import driver  # noqa: E402
import provision  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent
# Seconds a scenario may take in all (each takes under 3 minutes here).
GLOBAL_TIMEOUT = 1200


def nix_json(expression: str, **args: str) -> dict:
    command = ["nix-instantiate", "--option", "build-users-group", "", "--eval", "--strict", "--json"]
    for name, value in args.items():
        command += ["--arg", name, value]
    result = subprocess.run(command + ["-E", expression], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"containers: cannot evaluate {expression[:80]}:\n{result.stderr}")
    return json.loads(result.stdout)


def render(args: argparse.Namespace, scenario: Path, node: str, node_args: dict | None = None) -> dict:
    """The node as the module renders it."""
    return nix_json(
        f"import {REPO}/nixos/containers/render.nix",
        lib=f"import {args.nixpkgs_lib}",
        systemdLib=f"{args.nixos_reference}/nixos/lib/systemd-lib.nix",
        host=str(scenario),
        node=json.dumps(node),
        nodeArgs=json.dumps(json.dumps(node_args or {})),
    )


def type_check(args: argparse.Namespace, name: str, script: str, machines: list[str], work: Path) -> None:
    """mypy on a test script as the NixOS driver checks it: its typing stub and the machines
    declared, against the driver's sources."""
    stub = (args.nixos_reference / "nixos/lib/test-script-prepend.py").read_text()
    sources = args.nixos_reference / "nixos/lib/test-driver/src"

    def defines(module: str, class_name: str) -> bool:
        return re.search(rf"^class {class_name}\b", (sources / module).read_text(), re.MULTILINE) is not None

    # The reference's stub and driver are of different revisions: the stub names the
    # driver's classes as they were (Machine, Logger), the driver as they are now.
    if not defines("test_driver/machine/__init__.py", "Machine") and defines("test_driver/machine/__init__.py", "BaseMachine"):
        stub = stub.replace("from test_driver.machine import Machine\n",
                            "from test_driver.machine import BaseMachine as Machine\n")
    if not defines("test_driver/logger.py", "Logger"):
        stub = stub.replace("from test_driver.logger import Logger\n",
                            "from test_driver.logger import AbstractLogger as Logger\n")
    declarations = "".join(f"{machine}: Machine\n" for machine in machines)
    checked = work / f"{name}.py"
    checked.write_text(stub + declarations + script)
    result = subprocess.run(
        ["mypy", "--no-implicit-optional", "--pretty", "--no-color-output",
         "--follow-imports=silent", "--ignore-missing-imports", "--python-version=3.11",
         "--cache-dir", str(work / "mypy-cache"), str(checked)],
        capture_output=True, text=True, env={**os.environ, "MYPYPATH": str(sources)},
    )
    if result.returncode != 0:
        raise SystemExit(f"containers: mypy rejects the {name} test script:\n{result.stdout}{result.stderr}")


def lint(args: argparse.Namespace, name: str, script: str, machines: list[str], work: Path) -> None:
    """pyflakes, as the NixOS driver's build lints a script: the machines and the driver's
    symbols (its `test_symbols`) are the builtins."""
    source = (args.nixos_reference / "nixos/lib/test-driver/src/test_driver/driver.py").read_text()
    block = source[source.index("general_symbols = dict("):]
    symbols = re.findall(r"^\s+(\w+)=", block[:block.index("\n        )")], re.MULTILINE)
    checked = work / f"{name}-lint.py"
    checked.write_text(script)
    result = subprocess.run(["pyflakes3", str(checked)], capture_output=True, text=True,
                            env={**os.environ, "PYFLAKES_BUILTINS": ",".join([*machines, *symbols])})
    if result.returncode != 0:
        raise SystemExit(f"containers: pyflakes rejects the {name} test script:\n{result.stdout}{result.stderr}")


def check_scripts(args: argparse.Namespace, tests: Path) -> int:
    """The VM tests' scripts as Nix generates them (nixos/tests/test-scripts.nix): valid
    Python, clean for pyflakes and accepted by mypy against the NixOS driver's API; and no node's SSH keys read from
    a derivation at evaluation time. Prints "test-scripts: N passed, M failed"."""
    generated = nix_json(f"import {tests}/test-scripts.nix", lib=f"import {args.nixpkgs_lib}")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as work:
        for name, script in sorted(generated["scripts"].items()):
            try:
                ast.parse(script, filename=f"{name} (as Nix generates it)")
                lint(args, name, script, generated["machines"][name], Path(work))
                type_check(args, name, script, generated["machines"][name], Path(work))
            except (SyntaxError, SystemExit) as error:
                print(f"test-scripts: {name}: {error}", flush=True)
                failed += 1
            else:
                driver.log(f"test-scripts: {name}: parses, lints and type-checks against the NixOS driver's API")
                passed += 1
    if generated["keyFiles"]:
        print(f"test-scripts: SSH keys read from files (import-from-derivation) on {generated['keyFiles']}")
        failed += 1
    else:
        passed += 1
    print(f"test-scripts: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


def test_certificates(directory: Path, names: list[str]) -> Path:
    """A test CA (ca.pem) and a certificate for each name (NAME.pem, NAME.key), as the VM
    tests make theirs (nixpkgs' snakeoil certificates; scale-out.nix's runCommand)."""
    directory.mkdir(parents=True, exist_ok=True)

    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], check=True, capture_output=True, cwd=directory)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            "-keyout", "ca.key", "-out", "ca.pem")
    for name in names:
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr")
        (directory / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem")
    return directory


def single_host(args: argparse.Namespace, work: Path) -> tuple[dict, dict, Path]:
    """nixos/tests/scenarios/single-host.nix: acme (pebble), offsite (SFTP), server (the module), client."""
    scenario_file = REPO / "nixos/tests/scenarios/single-host.nix"
    scenario = nix_json(f"let s = import {scenario_file}; in {{ inherit (s) domain hosts offsite parameters; "
                        f"keys = import {REPO}/nixos/tests/ssh-keys.nix; }}")
    hosts, keys = scenario["hosts"], scenario["keys"]
    acme_domain = scenario["parameters"]["acmeDomain"]
    certs = test_certificates(work / "certs", [acme_domain])
    ca, acme_cert, acme_key = certs / "ca.pem", certs / f"{acme_domain}.pem", certs / f"{acme_domain}.key"
    rendered = render(args, scenario_file, "server")
    offsite = scenario["offsite"]

    def acme(root: Path) -> None:
        provision.common(root, "acme", hosts)
        provision.pebble(root, acme_domain, acme_cert, acme_key)

    def offsite_host(root: Path) -> None:
        provision.common(root, "offsite", hosts)
        provision.sshd(root, offsite["user"], keys["host"]["private"], keys["client"]["public"])

    server_binds: list[tuple[str, str]] = []

    def server(root: Path) -> None:
        provision.common(root, "server", hosts)
        provision.trust(root, ca.read_text(), "test-ca")
        server_binds.extend(provision.module_host(
            root, rendered,
            {"stellar-heads-backend": str(args.backend), "stellar-heads-web": str(args.web_root)},
            acme_server=f"https://{acme_domain}/dir", ca_file="/usr/local/share/ca-certificates/test-ca.crt",
        ))
        provision.boot_secret(root, "/run/keys/stellar-heads-jwt", "stellar-heads.service")
        provision.write(root, "/etc/stellar-heads-offsite/rclone.conf", offsite["rcloneConfig"])
        provision.write(root, "/etc/stellar-heads-offsite/key", keys["client"]["private"], 0o400)
        provision.chroot(root, "chown", "stellar-heads-backup", "/etc/stellar-heads-offsite/key")
        host_key = keys["host"]["public"].split(" ")[:2]
        provision.write(root, "/etc/stellar-heads-offsite/known_hosts", f"offsite {' '.join(host_key)}\n")

    client_binds: list[tuple[str, str]] = []

    def client(root: Path) -> None:
        provision.common(root, "client", hosts)
        provision.trust(root, ca.read_text(), "test-ca")
        client_binds.extend(provision.client_tools(root, str(args.genuine_match)))

    nodes = {"acme": acme, "offsite": offsite_host, "server": server, "client": client}
    binds = {"server": server_binds, "client": client_binds}
    parameters = work / "parameters.json"
    parameters.write_text(json.dumps(scenario["parameters"]))
    return {name: (hosts[name]["address"], prepare) for name, prepare in nodes.items()}, binds, parameters


def scale_out(args: argparse.Namespace, work: Path) -> tuple[dict, dict, Path]:
    """nixos/tests/scenarios/scale-out.nix: edge, api1, api2 (the module), database, client."""
    scenario_file = REPO / "nixos/tests/scenarios/scale-out.nix"
    scenario = nix_json(f"let s = import {scenario_file}; in {{ inherit (s) domain hosts apiNodes "
                        "dbPassword databaseUrl jwtSecret database parameters; }")
    hosts, domain = scenario["hosts"], scenario["domain"]
    certs = test_certificates(work / "certs", ["database", domain])
    inside = "/etc/test-certs"  # where every container has them
    node_args = {"addresses": {name: host["address"] for name, host in hosts.items()}, "certs": inside}
    rendered = {name: render(args, scenario_file, name, node_args) for name in [*scenario["apiNodes"], "edge"]}
    builds = {"stellar-heads-backend": str(args.backend), "stellar-heads-web": str(args.web_root)}
    binds: dict[str, list[tuple[str, str]]] = {}

    def with_certificates(root: Path, name: str) -> None:
        provision.common(root, name, hosts)
        provision.trust(root, (certs / "ca.pem").read_text(), "test-ca")
        for file in certs.glob("*.pem"):
            provision.write(root, f"{inside}/{file.name}", file.read_text())
        for file in certs.glob("*.key"):
            provision.write(root, f"{inside}/{file.name}", file.read_text(), 0o600)

    def module_node(name: str) -> Callable[[Path], None]:
        def prepare(root: Path) -> None:
            with_certificates(root, name)
            if name in scenario["apiNodes"]:
                provision.write(root, "/etc/stellar-heads/jwt", scenario["jwtSecret"])
                provision.write(root, "/etc/stellar-heads/database-url", scenario["databaseUrl"])
            binds[name] = provision.module_host(root, rendered[name], builds, None, None)
        return prepare

    def database(root: Path) -> None:
        with_certificates(root, "database")
        provision.chroot(root, "install", "-o", "postgres", "-m", "0600", f"{inside}/database.key",
                         "/var/lib/postgresql/server.key")
        provision.chroot(root, "install", "-o", "postgres", "-m", "0644", f"{inside}/database.pem",
                         "/var/lib/postgresql/server.pem")
        provision.postgresql(
            root,
            {"ensureDatabases": ["stellar-heads"],
             "ensureUsers": [{"name": "stellar-heads", "ensureDBOwnership": True}],
             "setupScript": f"psql -tAc \"ALTER ROLE \\\"stellar-heads\\\" PASSWORD '{scenario['dbPassword']}'\"\n"},
            settings={"listen_addresses": "*", "max_connections": scenario["database"]["maxConnections"],
                      "ssl": True, "ssl_cert_file": "/var/lib/postgresql/server.pem",
                      "ssl_key_file": "/var/lib/postgresql/server.key"},
            authentication="local all all peer\n"
                           f"hostssl stellar-heads stellar-heads {scenario['database']['network']} scram-sha-256\n",
        )

    def client(root: Path) -> None:
        with_certificates(root, "client")
        binds["client"] = provision.client_tools(root, str(args.genuine_match))

    nodes: dict[str, Callable[[Path], None]] = {name: module_node(name) for name in rendered}
    nodes["database"] = database
    nodes["client"] = client
    parameters = work / "parameters.json"
    parameters.write_text(json.dumps(scenario["parameters"]))
    return {name: (hosts[name]["address"], prepare) for name, prepare in nodes.items()}, binds, parameters


SCENARIOS = {
    "single-host": (single_host, REPO / "nixos/tests/stellar-heads.py"),
    "scale-out": (scale_out, REPO / "nixos/tests/scale-out.py"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=[*sorted(SCENARIOS), "check-scripts", "selftest"])
    parser.add_argument("--rootfs", type=Path)
    parser.add_argument("--backend", type=Path)
    parser.add_argument("--genuine-match", type=Path)
    parser.add_argument("--web-root", type=Path)
    parser.add_argument("--nixpkgs-lib", type=Path)
    parser.add_argument("--nixos-reference", type=Path)
    parser.add_argument("--tests", type=Path, default=REPO / "nixos/tests",
                        help="check-scripts: the directory of the VM tests")
    args = parser.parse_args()
    if args.scenario == "selftest":
        if args.rootfs is None:
            parser.error("selftest needs --rootfs")
        import selftest
        return selftest.main(args.rootfs)
    for option in ["nixpkgs_lib", "nixos_reference"]:
        if getattr(args, option) is None:
            parser.error(f"--{option.replace('_', '-')} is required")
    if args.scenario == "check-scripts":
        return check_scripts(args, args.tests.resolve())
    for option in ["rootfs", "backend", "genuine_match", "web_root"]:
        if getattr(args, option) is None:
            parser.error(f"a scenario needs --{option.replace('_', '-')}")
    for path in [args.backend, args.genuine_match]:
        path.resolve(strict=True)
    args.backend, args.genuine_match = args.backend.resolve(), args.genuine_match.resolve()
    args.web_root = args.web_root.resolve(strict=True)
    setup, script = SCENARIOS[args.scenario]

    driver.leftovers()
    work = Path(tempfile.mkdtemp(prefix=f"{driver.PREFIX}-{args.scenario}-"))
    os.chmod(work, 0o755)
    started = time.monotonic()
    machines: dict[str, driver.Machine] = {}
    test = driver.Driver(machines)
    network = driver.Network(args.scenario)
    # A whole scenario is bounded, as the NixOS driver's globalTimeout bounds a test.
    signal.signal(signal.SIGALRM, lambda *_: driver.fail_now(f"{args.scenario}: over {GLOBAL_TIMEOUT} s"))
    signal.alarm(GLOBAL_TIMEOUT)
    with driver.torn_down(network, machines, work):
        nodes, binds, parameters = setup(args, work)
        # The script the NixOS driver runs is this file after the `parameters_file` line
        # (check-scripts type-checks that text); here the same file runs with ours.
        type_check(args, args.scenario, f"parameters_file = {str(parameters)!r}\n" + script.read_text(),
                   list(nodes), work)
        for name, (address, prepare) in nodes.items():
            netns = network.attach(name, address)
            machine = driver.Machine(name, args.rootfs, work, netns, [], prepare)
            machine.binds = binds.get(name, [])
            machines[name] = machine
        try:
            test.run_script(script.read_text(), str(parameters), str(script))
        except Exception:
            traceback.print_exc()
            driver.log(f"{args.scenario}: failed in subtest {test.current!r}")
            for machine in machines.values():
                machine.dump_failed_units()
            if test.current is None:
                test.failed += 1
    driver.log(f"{args.scenario}: {time.monotonic() - started:.0f} s")
    print(f"{args.scenario}: {test.passed} passed, {test.failed} failed", flush=True)
    return 0 if test.failed == 0 and test.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
