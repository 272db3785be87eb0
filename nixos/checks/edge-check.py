#!/usr/bin/env python3
"""The edge's promise, against a running nginx rendered from nixos/nginx.nix with
`apiServers` (two real backends behind it): while one API node stops (SIGTERM: it closes its
listener, finishes what it has and exits), no idempotent request through the edge fails, and a
POST sent while that node refuses connections moves on to the other node (nginx passes on
requests that reached no node).

Usage: edge-check.py BASE_URL PID_OF_ONE_NODE"""
import http.client
import json
import os
import signal
import ssl
import sys
import time

# A syntactically valid wallet address: the challenge endpoint answers for any.
WALLET = "GBHREORNALRWXYRF6L4VW3RAQQREGI7TGA76FOQMMVCPB3TUCRHRAKUR"


def request(base, method, path, body=None):
    host, port = base.removeprefix("https://").split(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=15)
    headers = {"content-type": "application/json"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def main():
    base, pid = sys.argv[1], int(sys.argv[2])
    failures, answered = [], 0
    stopped_at = None
    for i in range(300):
        if i == 60:
            os.kill(pid, signal.SIGTERM)
            stopped_at = i
        for path in ("/api/leaderboard", "/health/ready"):
            status = request(base, "GET", path)
            answered += 1
            if status != 200:
                failures.append(f"request {i}: GET {path}: {status}")
        time.sleep(0.01)
    # The node is gone: its address refuses connections. POSTs still get through.
    posts = [
        request(base, "POST", "/api/auth/challenge", json.dumps({"wallet_address": WALLET}))
        for _ in range(5)
    ]
    if any(not 200 <= status < 300 for status in posts):
        failures.append(f"POST /api/auth/challenge with one node down: {posts}")
    try:
        os.kill(pid, 0)
        failures.append("the stopped node is still running")
    except ProcessLookupError:
        pass
    if failures:
        print("edge-check: FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"edge-check: {answered} GETs through the edge, one of two nodes stopped at request "
          f"{stopped_at}: none failed; 5 POSTs with the node down: all answered")


main()
