#!/usr/bin/env python3
"""Renders the service's hardening (nixos/hardening.nix, evaluated to JSON) into a unit file
the way NixOS renders `serviceConfig`: a list becomes one line per element, booleans become
true/false. Usage: render-unit.py HARDENING_JSON EXEC_START > unit.service"""
import json
import sys


def value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def main():
    hardening = json.load(open(sys.argv[1]))
    exec_start = sys.argv[2]
    lines = [
        "[Unit]",
        "Description=Stellar Heads API server",
        "After=postgresql.service",
        "Requires=postgresql.service",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        f"ExecStart={exec_start}",
        "Restart=on-failure",
        "WatchdogSec=30s",
        "User=stellar-heads",
        "Group=stellar-heads",
        "RuntimeDirectory=stellar-heads",
        "RuntimeDirectoryMode=0750",
        "LoadCredential=jwt-secret:/run/keys/stellar-heads-jwt-secret",
    ]
    for key, v in hardening.items():
        if isinstance(v, list):
            lines.extend(f"{key}={value(item)}" for item in v)
        else:
            lines.append(f"{key}={value(v)}")
    lines += ["", "[Install]", "WantedBy=multi-user.target", ""]
    sys.stdout.write("\n".join(lines))


main()
