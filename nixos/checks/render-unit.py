#!/usr/bin/env python3
"""Renders the service's units the way NixOS renders `serviceConfig`/`socketConfig` (a list
becomes one line per element, booleans become true/false), from the plain-data files
evaluated to JSON:

  render-unit.py service HARDENING_JSON EXEC_START > stellar-heads.service
  render-unit.py socket SOCKET_JSON GROUP > stellar-heads.socket   (GROUP "-": none, a TCP socket)
  render-unit.py backup HARDENING_JSON EXEC_START BACKUP_DIR > stellar-heads-backup.service"""
import json
import sys


def value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def settings(values):
    lines = []
    for key, v in values.items():
        if isinstance(v, list):
            lines.extend(f"{key}={value(item)}" for item in v)
        else:
            lines.append(f"{key}={value(v)}")
    return lines


def service(hardening, exec_start):
    return [
        "[Unit]",
        "Description=Stellar Heads API server",
        "After=postgresql.service stellar-heads.socket",
        "Requires=postgresql.service stellar-heads.socket",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        f"ExecStart={exec_start}",
        "Restart=on-failure",
        "WatchdogSec=30s",
        "DynamicUser=true",
        "User=stellar-heads",
        "Group=stellar-heads",
        "LoadCredential=jwt-secret:/run/keys/stellar-heads-jwt-secret",
        *settings(hardening),
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]


def socket(unit, group):
    return [
        "[Unit]",
        "Description=Stellar Heads API socket",
        "",
        "[Socket]",
        *(f"ListenStream={path}" for path in unit["listenStreams"]),
        *settings(unit["socketConfig"]),
        *([f"SocketGroup={group}"] if group != "-" else []),
        "",
        "[Install]",
        "WantedBy=sockets.target",
    ]


def backup(hardening, exec_start, directory):
    return [
        "[Unit]",
        "Description=Back up and verify the Stellar Heads database",
        "After=postgresql.service",
        "Requires=postgresql.service",
        "",
        "[Service]",
        "Type=oneshot",
        "User=stellar-heads-backup",
        "Group=stellar-heads-backup",
        f"ExecStart={exec_start}",
        *settings(hardening),
        f"ReadWritePaths={directory}",
    ]


def main():
    kind, data = sys.argv[1], json.load(open(sys.argv[2]))
    render = {"service": service, "socket": socket, "backup": backup}[kind]
    sys.stdout.write("\n".join(render(data, *sys.argv[3:])) + "\n")


main()
