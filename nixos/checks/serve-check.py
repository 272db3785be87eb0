#!/usr/bin/env python3
"""Asks a running nginx (configured from nixos/nginx.nix, the real backend behind it) for
pages, files and API answers, and checks what production promises:
  - every response carries each security header of backend/security-headers.json exactly
    once (nginx's copy; the backend's is hidden), with the shared value;
  - hashed files are cached forever, pages and other files revalidated;
  - an API path that looks like a file is still the API's (JSON), never a static 404;
  - the build reports in the web root are not served.

Usage: serve-check.py HEADERS_JSON BASE_URL"""
import http.client
import json
import ssl
import sys
import urllib.parse


def get(base, path):
    url = urllib.parse.urlsplit(base)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=10)
    connection.request("GET", path, headers={"Accept": "text/html,*/*"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.getheaders(), body


def main():
    shared = json.load(open(sys.argv[1]))
    base = sys.argv[2]
    failures = []

    def check(path, status, cache=None, json_body=False):
        got_status, headers, body = get(base, path)
        where = f"GET {path}"
        if got_status != status:
            failures.append(f"{where}: status {got_status}, expected {status}")
        for name, value in shared.items():
            values = [v for (n, v) in headers if n.lower() == name]
            if values != [value]:
                failures.append(f"{where}: {name} is {values}, expected exactly [{value!r}]")
        if cache is not None:
            values = [v for (n, v) in headers if n.lower() == "cache-control"]
            if values != [cache]:
                failures.append(f"{where}: cache-control is {values}, expected [{cache!r}]")
        if json_body:
            try:
                json.loads(body)
            except ValueError:
                failures.append(f"{where}: not the API's JSON answer: {body[:80]!r}")

    check("/", 200, cache="no-cache")
    check("/leaderboard", 200, cache="no-cache")
    check("/app-0123456789abcdef.js", 200, cache="public, max-age=31536000, immutable")
    check("/missing-0123456789abcdef.js", 404)
    check("/robots.txt", 200, cache="no-cache")
    check("/health/live", 200)
    check("/api/leaderboard", 200, json_body=True)
    check("/api/no-such-endpoint.js", 404, json_body=True)
    for report in ["/frontend-size-report.txt", "/game/size-report.txt", "/game/.source-sha256"]:
        check(report, 404)

    if failures:
        sys.exit("serve-check:\n  " + "\n  ".join(failures))
    print(f"serve-check: 11 answers carry {len(shared)} security headers once each, cached as designed")


main()
