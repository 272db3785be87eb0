#!/usr/bin/env python3
"""Runs the site's rate-limit key rules (nixos/nginx.nix `clientKeyRules`) in a real nginx and
checks them against Python's own reading of the addresses: an IPv4 client is its address, an
IPv6 client its /64, for every shape RFC 5952 can print (zero runs anywhere, of any length).

nginx gets each address in a header and answers with the key it computed.

Usage: client-key-check.py NGINX_JSON WORK_DIR"""
import ipaddress
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def addresses():
    """IPv6 addresses with every layout of zero groups, and a few IPv4 ones."""
    rng = random.Random(53)
    found = set()
    for layout in range(256):
        for _ in range(12):
            groups = [0 if layout >> i & 1 else rng.randrange(1, 1 << 16) for i in range(8)]
            found.add(ipaddress.IPv6Address(sum(g << (16 * (7 - i)) for i, g in enumerate(groups))))
    found |= {ipaddress.IPv6Address(rng.getrandbits(128)) for _ in range(200)}
    found |= {ipaddress.IPv4Address(rng.getrandbits(32)) for _ in range(100)}
    found |= {ipaddress.IPv6Address("::"), ipaddress.IPv6Address("::1"), ipaddress.IPv4Address("127.0.0.1")}
    return sorted(found, key=lambda a: (a.version, int(a)))


def expected(address):
    if address.version == 4:
        return str(address)
    return ":".join(f"{int(address) >> (16 * (7 - i)) & 0xFFFF:x}" for i in range(4))


def main():
    site = json.load(open(sys.argv[1]))
    work = sys.argv[2]
    os.makedirs(work, exist_ok=True)
    port = free_port()
    rules = "\n".join(
        f'    "{regex}" "{value.replace("@source@", "$http_x_client")}";'
        for regex, value in site["clientKeyRules"]
    )
    conf = f"""pid {work}/nginx.pid;
error_log {work}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  map $http_x_client $client_key {{
{rules}
    default $http_x_client;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 "$client_key"; }}
  }}
}}
"""
    path = os.path.join(work, "nginx.conf")
    open(path, "w").write(conf)
    subprocess.run(["nginx", "-q", "-c", path, "-e", f"{work}/error.log"], check=True)
    try:
        deadline = time.time() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        wrong = []
        checked = 0
        for address in addresses():
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"X-Client": str(address)})
            key = urllib.request.urlopen(request, timeout=5).read().decode()
            checked += 1
            if key != expected(address):
                wrong.append(f"{address}: nginx {key!r}, expected {expected(address)!r}")
        if wrong:
            print("client-key-check: nginx keys these clients wrongly:\n  " + "\n  ".join(wrong[:20]))
            sys.exit(1)
        print(f"client-key-check: nginx keys {checked} clients as the backend does (IPv4 address, IPv6 /64)")
    finally:
        subprocess.run(["nginx", "-q", "-c", path, "-s", "stop"], check=False)


main()
