#!/usr/bin/env python3
"""Renders the site's nginx settings (nixos/nginx.nix, evaluated to JSON) into a complete,
self-contained nginx.conf the way NixOS renders services.nginx.virtualHosts: each location's
tryFiles, proxyPass and extraConfig, a TLS server with the virtual host's snippet, and the
http-level snippet. `nginx -t -c` then checks every directive we wrote.

Usage: render-nginx.py NGINX_JSON WORK_DIR WEB_ROOT [PORT] > nginx.conf
WORK_DIR must hold cert.pem and key.pem; logs, pid and temp files go there too."""
import json
import sys


def location(path, settings):
    lines = [f"location {path} {{"]
    if "return" in settings:
        lines.append(f"  return {settings['return']};")
    if "tryFiles" in settings:
        lines.append(f"  try_files {settings['tryFiles']};")
    if "proxyPass" in settings:
        lines.append(f"  proxy_pass {settings['proxyPass']};")
        # services.nginx.recommendedProxySettings (NixOS's recommendedProxyConfig)
        lines += ["  proxy_set_header Host $host;",
                  "  proxy_set_header X-Real-IP $remote_addr;",
                  "  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                  "  proxy_set_header X-Forwarded-Proto $scheme;",
                  "  proxy_set_header X-Forwarded-Host $host;",
                  "  proxy_set_header X-Forwarded-Server $hostname;"]
    lines += ["  " + line for line in settings.get("extraConfig", "").splitlines() if line.strip()]
    lines.append("}")
    return lines


def main():
    site = json.load(open(sys.argv[1]))
    work, web_root = sys.argv[2], sys.argv[3]
    port = sys.argv[4] if len(sys.argv) > 4 else "8443"
    modules = "/usr/lib/nginx/modules"
    out = [
        f"load_module {modules}/ngx_http_brotli_static_module.so;",
        f"pid {work}/nginx.pid;",
        f"error_log {work}/error.log;",
        "events {}",
        "http {",
        "  include /etc/nginx/mime.types;",
        f"  access_log {work}/access.log;",
        f"  client_body_temp_path {work}/body;",
        f"  proxy_temp_path {work}/proxy;",
        f"  fastcgi_temp_path {work}/fastcgi;",
        f"  uwsgi_temp_path {work}/uwsgi;",
        f"  scgi_temp_path {work}/scgi;",
    ]
    out += ["  " + line for line in site["httpConfig"].splitlines() if line.strip()]
    out += [
        "  server {",
        f"    listen 127.0.0.1:{port} ssl;",
        "    server_name heads.example;",
        f"    ssl_certificate {work}/cert.pem;",
        f"    ssl_certificate_key {work}/key.pem;",
        f"    root {web_root};",
    ]
    out += ["    " + line for line in site["serverConfig"].splitlines() if line.strip()]
    for path, settings in site["locations"].items():
        out += ["    " + line for line in location(path, settings)]
    out += ["  }", "}", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
