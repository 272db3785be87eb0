"""Lays out a container host's root before it boots: what NixOS would have built for the node.

For the nodes that import the module, everything the module renders comes from
nixos/containers/render.nix: the unit files (NixOS's own rendering), the users and groups,
tmpfiles rules, the settings file, PostgreSQL's databases, roles and grants, nginx's virtual
host, node exporter's flags. What remains is written here, as a stand-in for the NixOS
modules that a Debian root lacks; each function says which:
  - users and groups: `useradd`/`groupadd` (NixOS: activation's users-groups);
  - PostgreSQL: Debian's cluster, plus `postgresql-setup.service` and `postgresql.target`
    (NixOS's postgresql module: initdb, ensureDatabases/ensureUsers, the module's appended
    setup script, and the target other units order after);
  - nginx: the module's virtual host rendered into nginx.conf (NixOS's nginx module; the
    locations by nixos/checks/render-nginx.py), with an ACME challenge location on port 80
    and the redirect that forceSSL adds;
  - ACME: a self-signed placeholder, then `acme-<domain>.service` running lego against the
    CA's directory over HTTP-01 and reloading nginx (NixOS's security.acme, which runs lego);
  - node exporter: Debian's unit with the module's flags (NixOS's prometheus exporter module);
  - pebble, sshd and the client's tools for the test's other nodes (NixOS's test modules).
Fake store paths (/nix/store/000...-NAME) are filled with this machine's builds.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FAKE_STORE = "/nix/store/00000000000000000000000000000000-"

_spec = importlib.util.spec_from_file_location("render_nginx", REPO / "nixos/checks/render-nginx.py")
assert _spec is not None and _spec.loader is not None
render_nginx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_nginx)


def write(root: Path, path: str, text: str, mode: int = 0o644) -> Path:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(mode)
    return target


def chroot(root: Path, *command: str) -> None:
    result = subprocess.run(["chroot", str(root), *command], capture_output=True, text=True,
                            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"})
    if result.returncode != 0:
        raise RuntimeError(f"in {root}: {shlex.join(command)} failed ({result.returncode}): {result.stderr}")


def enable(root: Path, unit: str, target: str = "multi-user.target") -> None:
    wants = root / "etc/systemd/system" / f"{target}.wants"
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / unit
    if not link.is_symlink():
        source = Path("/etc/systemd/system") / unit
        if not (root / source.relative_to("/")).exists():
            source = Path("/lib/systemd/system") / unit
        link.symlink_to(source)


def unit(root: Path, name: str, text: str, wanted_by: list[str] | None = None) -> None:
    write(root, f"/etc/systemd/system/{name}", text)
    for target in wanted_by or []:
        enable(root, name, target)


def common(root: Path, name: str, hosts: dict) -> None:
    """Every host: its name and the test network's names (NixOS: networking.hosts)."""
    write(root, "/etc/hostname", name + "\n")
    # As NixOS writes it: the host's own name on 127.0.0.2 first (so a script cannot take the
    # first address of its own name for its network address), then the test network.
    lines = ["127.0.0.1 localhost", "::1 localhost", f"127.0.0.2 {name}"]
    for host, entry in hosts.items():
        lines.append(" ".join([entry["address"], host, *entry["aliases"]]))
    write(root, "/etc/hosts", "\n".join(lines) + "\n")
    # The root has no machine id of its own (nspawn gives each boot one): not a first boot.
    (root / "etc/systemd/system/systemd-firstboot.service").symlink_to("/dev/null")


def trust(root: Path, ca_pem: str, name: str) -> None:
    """Adds a CA to the system's trust store (NixOS: security.pki.certificateFiles)."""
    write(root, f"/usr/local/share/ca-certificates/{name}.crt", ca_pem)
    chroot(root, "update-ca-certificates")


# ---- the module's nodes ------------------------------------------------------------------

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise ValueError(f"no TOML for {value!r}")


def toml(settings: dict) -> str:
    """The settings as pkgs.formats.toml writes them (scalars and arrays, then tables)."""
    lines = [f"{key} = {toml_value(value)}" for key, value in sorted(settings.items())
             if not isinstance(value, dict)]
    for key, table in sorted(settings.items()):
        if isinstance(table, dict):
            lines += ["", f"[{key}]", *toml(table).splitlines()]
    return "\n".join(lines) + "\n"


def shell_application(root: Path, name: str, script: Path, path: list[str]) -> None:
    """pkgs.writeShellApplication: bash with errexit, nounset and pipefail, PATH set to the
    runtime inputs (here: Debian's), then the script's text."""
    write(root, f"{FAKE_STORE}{name}/bin/{name}",
          "#!/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n"
          f"export PATH={':'.join(path)}\n\n" + script.read_text(), 0o755)


def users(root: Path, rendered: dict, extra_users: dict[str, str]) -> None:
    """users.users and users.groups (NixOS creates them at activation)."""
    groups = set(rendered["groups"]) | {user["group"] for user in rendered["users"].values()} | set(extra_users.values())
    for group in sorted(groups):
        chroot(root, "groupadd", "--system", "--force", group)
    for user, entry in {**{name: u["group"] for name, u in rendered["users"].items()}, **extra_users}.items():
        chroot(root, "useradd", "--system", "--gid", entry, "--no-create-home",
               "--shell", "/usr/sbin/nologin", user)


def postgresql(root: Path, setup: dict, settings: dict | None = None, authentication: str | None = None) -> None:
    """NixOS's postgresql module: a cluster (with `settings` and pg_hba.conf's
    `authentication`), `postgresql-setup` with ensureDatabases, ensureUsers (ownership,
    clauses) and the appended script, and `postgresql.target` once both are done."""
    chroot(root, "pg_createcluster", "15", "main")
    # Debian enables its own backup add-ons for every cluster (pg_receivewal, pg_dump and
    # pg_basebackup timers), which NixOS does not have. pg_receivewal fails here and restarts
    # every minute, and its `Wants=postgresql@%i` started the cluster again after a test had
    # stopped it (the scale-out script's "database down" step, whenever a restart fell in it).
    # Masked, not unlinked: the container's first boot applies systemd's presets (`enable *`),
    # which would link them again; a mask is not overridden by presets.
    for template in ("pg_receivewal@.service", "pg_basebackup@.service", "pg_basebackup@.timer",
                     "pg_dump@.service", "pg_dump@.timer", "pg_compresswal@.service",
                     "pg_compresswal@.timer"):
        if (root / "lib/systemd/system" / template).exists():
            mask = root / "etc/systemd/system" / template
            mask.unlink(missing_ok=True)
            mask.symlink_to("/dev/null")
    for wants in ("postgresql@.service.wants", "pg_receivewal@.service.wants"):
        shutil.rmtree(root / "etc/systemd/system" / wants, ignore_errors=True)
    if settings:
        write(root, "/etc/postgresql/15/main/conf.d/settings.conf",
              "".join(f"{key} = {toml_value(value) if not isinstance(value, str) else repr(value)}\n"
                      for key, value in settings.items()))
    if authentication is not None:
        write(root, "/etc/postgresql/15/main/pg_hba.conf", authentication)
        chroot(root, "chown", "postgres:postgres", "/etc/postgresql/15/main/pg_hba.conf")
    sql = []
    for database in setup["ensureDatabases"]:
        sql.append(f"psql -tAc \"SELECT 1 FROM pg_database WHERE datname = '{database}'\" | grep -q 1 "
                   f"|| psql -tAc 'CREATE DATABASE \"{database}\"'")
    for user in setup["ensureUsers"]:
        name = user["name"]
        sql.append(f"psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '{name}'\" | grep -q 1 "
                   f"|| psql -tAc 'CREATE USER \"{name}\"'")
        if user.get("ensureDBOwnership"):
            sql.append(f"psql -tAc 'ALTER DATABASE \"{name}\" OWNER TO \"{name}\"'")
        for clause, on in (user.get("ensureClauses") or {}).items():
            if on is not None:
                sql.append(f"psql -tAc 'ALTER ROLE \"{name}\" {'' if on else 'NO'}{clause.upper()}'")
    script = "set -euo pipefail\n" + "\n".join(sql) + "\n" + setup["setupScript"]
    write(root, "/usr/local/lib/postgresql-setup.sh", script, 0o755)
    unit(root, "postgresql-setup.service", """[Unit]
Description=PostgreSQL setup (the NixOS module's ensureDatabases, ensureUsers and scripts)
Requires=postgresql@15-main.service
After=postgresql@15-main.service

[Service]
Type=oneshot
RemainAfterExit=true
User=postgres
Group=postgres
Environment=PATH=/usr/lib/postgresql/15/bin:/usr/bin:/bin
ExecStart=/bin/bash /usr/local/lib/postgresql-setup.sh
""")
    # postgresql.service is the server, as on NixOS: starting it starts the cluster (stopping
    # it stops the cluster already: Debian's PartOf).
    write(root, "/etc/systemd/system/postgresql.service.d/cluster.conf",
          "[Unit]\nRequires=postgresql@15-main.service\nAfter=postgresql@15-main.service\n")
    unit(root, "postgresql.target", """[Unit]
Description=PostgreSQL is up and set up (NixOS's postgresql.target)
Requires=postgresql@15-main.service postgresql-setup.service
After=postgresql@15-main.service postgresql-setup.service
""", ["multi-user.target"])
    enable(root, "postgresql.service")


def nginx(root: Path, site: dict, acme_server: str | None, ca_file: str | None) -> None:
    """NixOS's nginx module with the module's virtual hosts (and security.acme for those with
    enableACME)."""
    modules = "/usr/lib/nginx/modules"
    http = [
        "include /etc/nginx/mime.types;",
        "default_type application/octet-stream;",
        # recommendedOptimisation and recommendedTlsSettings (the parts nginx 1.22 has).
        "sendfile on;", "tcp_nopush on;", "tcp_nodelay on;", "keepalive_timeout 65;",
        "ssl_protocols TLSv1.2 TLSv1.3;", "ssl_session_timeout 1d;", "ssl_session_cache shared:SSL:10m;",
        "access_log /var/log/nginx/access.log;",
        # services.nginx.clientMaxBodySize's default.
        "client_max_body_size 10m;",
        *site["httpConfig"].splitlines(),
    ]
    if site["recommendedProxySettings"]:
        http += ["proxy_redirect off;", "proxy_connect_timeout 60s;", "proxy_send_timeout 60s;",
                 "proxy_read_timeout 60s;", "proxy_http_version 1.1;"]
    servers = []
    for domain, vhost in site["virtualHosts"].items():
        if vhost["enableACME"]:
            certificate = f"/var/lib/acme/{domain}/fullchain.pem"
            key = f"/var/lib/acme/{domain}/key.pem"
            acme(root, domain, acme_server, ca_file)
        else:
            certificate, key = vhost["sslCertificate"], vhost["sslCertificateKey"]
        plain = ["server {", "  listen 0.0.0.0:80;", f"  server_name {domain};"]
        if vhost["enableACME"]:
            plain += ["  location /.well-known/acme-challenge/ {",
                      "    root /var/lib/acme/acme-challenge;", "  }"]
        if vhost["forceSSL"]:
            plain += ["  location / {", "    return 301 https://$host$request_uri;", "  }"]
        servers += plain + ["}"]
        tls = ["server {", "  listen 0.0.0.0:443 ssl;", f"  server_name {domain};",
               f"  root {vhost['root']};", f"  ssl_certificate {certificate};",
               f"  ssl_certificate_key {key};", *("  " + line for line in vhost["extraConfig"].splitlines())]
        for path, settings in vhost["locations"].items():
            for line in render_nginx.location(path, settings):
                tls.append("  " + line)
        servers += tls + ["}"]
    conf = [f"load_module {modules}/ngx_http_brotli_static_module.so;", "user nginx nginx;",
            "pid /run/nginx.pid;", "error_log /var/log/nginx/error.log;", "events {}", "http {",
            *("  " + line for line in http if line.strip()), *("  " + line for line in servers), "}"]
    write(root, "/etc/nginx/nginx.conf", "\n".join(conf) + "\n")
    enable(root, "nginx.service")


def acme(root: Path, domain: str, server: str | None, ca_file: str | None) -> None:
    """security.acme for one certificate: NixOS makes a self-signed placeholder so nginx can
    start, then orders the real one with lego (HTTP-01 through nginx's challenge location)
    and reloads nginx. Files as NixOS keeps them: /var/lib/acme/DOMAIN/{cert,chain,fullchain,
    key}.pem, group nginx."""
    assert server is not None and ca_file is not None, "enableACME needs the scenario's ACME server"
    directory = root / "var/lib/acme" / domain
    directory.mkdir(parents=True)
    (root / "var/lib/acme/acme-challenge/.well-known/acme-challenge").mkdir(parents=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "1", "-subj", "/CN=minica root ca placeholder",
                    "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem")],
                   check=True, capture_output=True)
    for name in ["fullchain.pem", "chain.pem"]:
        (directory / name).write_bytes((directory / "cert.pem").read_bytes())
    # One attempt, as NixOS makes it (it retries a failed order only after 15 minutes, which
    # no test waits for): the test starts the CA first.
    write(root, "/usr/local/lib/acme-order.sh", f"""set -euo pipefail
lego --accept-tos --path /var/lib/acme/.lego --email ops@{domain} --server {server} \\
  --key-type ec256 --domains {domain} --http --http.webroot /var/lib/acme/acme-challenge run
install -m 0640 -g nginx /var/lib/acme/.lego/certificates/{domain}.crt /var/lib/acme/{domain}/fullchain.pem
install -m 0640 -g nginx /var/lib/acme/.lego/certificates/{domain}.key /var/lib/acme/{domain}/key.pem
install -m 0640 -g nginx /var/lib/acme/.lego/certificates/{domain}.issuer.crt /var/lib/acme/{domain}/chain.pem
openssl x509 -in /var/lib/acme/{domain}/fullchain.pem -out /var/lib/acme/{domain}/cert.pem
chgrp nginx /var/lib/acme/{domain}/cert.pem
systemctl reload nginx.service
""", 0o755)
    unit(root, f"acme-{domain}.service", f"""[Unit]
Description=Order the certificate of {domain} (NixOS's security.acme, with lego)
Wants=nginx.service
After=nginx.service

[Service]
Type=oneshot
RemainAfterExit=true
Environment=LEGO_CA_CERTIFICATES={ca_file}
ExecStart=/bin/bash /usr/local/lib/acme-order.sh
""", ["multi-user.target"])
    chroot(root, "chgrp", "-R", "nginx", f"/var/lib/acme/{domain}")


def node_exporter(root: Path, exporter: dict) -> None:
    """services.prometheus.exporters.node: Debian's unit with the module's flags."""
    flags = [f"--web.listen-address={exporter['listenAddress']}:{exporter['port']}", *exporter.get("extraFlags", [])]
    write(root, "/etc/systemd/system/prometheus-node-exporter.service.d/module.conf",
          "[Service]\nExecStart=\nExecStart=/usr/bin/prometheus-node-exporter "
          + " ".join(shlex.quote(flag) for flag in flags) + "\n")
    write(root, "/etc/default/prometheus-node-exporter", "ARGS=\"\"\n")
    enable(root, "prometheus-node-exporter.service")


def module_host(root: Path, rendered: dict, builds: dict[str, str], acme_server: str | None,
                ca_file: str | None) -> list[tuple[str, str]]:
    """A node with services.stellar-heads, as the module renders it. Returns the read-only
    binds of the fake store paths."""
    extra_users = {"nginx": "nginx"} if rendered["nginx"] else {}
    if rendered["nginx"] and any(v["enableACME"] for v in rendered["nginx"]["virtualHosts"].values()):
        extra_users["acme"] = "nginx"
    users(root, rendered, extra_users)
    for name, entry in rendered["units"].items():
        unit(root, name, entry["text"], entry["wantedBy"])
        for target in entry["requiredBy"]:
            requires = root / "etc/systemd/system" / f"{target}.requires"
            requires.mkdir(parents=True, exist_ok=True)
            (requires / name).symlink_to(f"/etc/systemd/system/{name}")
    write(root, "/etc/tmpfiles.d/stellar-heads.conf", "\n".join(rendered["tmpfiles"]) + "\n")
    write(root, rendered["settings"]["path"], toml(rendered["settings"]["value"]))
    shell_application(root, "stellar-heads-backup", REPO / "nixos/backup.sh",
                      ["/usr/lib/postgresql/15/bin", "/usr/bin", "/bin"])
    shell_application(root, "stellar-heads-cert-expiry", REPO / "nixos/cert-expiry.sh", ["/usr/bin", "/bin"])
    if rendered["postgresql"]:
        postgresql(root, rendered["postgresql"])
    if rendered["nginx"]:
        nginx(root, rendered["nginx"], acme_server, ca_file)
    if rendered["nodeExporter"].get("enable"):
        node_exporter(root, rendered["nodeExporter"])
    if rendered["prometheus"]:
        prometheus(root, rendered["prometheus"])
    binds = []
    for name, source in builds.items():
        target = f"{FAKE_STORE}{name}"
        if Path(source).is_dir():
            (root / target.lstrip("/")).mkdir(parents=True, exist_ok=True)
            binds.append((source, target))
        else:
            binary = f"{target}/bin/{name}"
            path = root / binary.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            binds.append((source, binary))
    return binds


def boot_secret(root: Path, path: str, before: str) -> None:
    """A secret made on the machine once per boot, never in the store (as the VM test's
    unit: RemainAfterExit, and kept if it exists)."""
    unit(root, "stellar-heads-test-secret.service", f"""[Unit]
Description=The test's token secret
Before={before}

[Service]
Type=oneshot
RemainAfterExit=true
ExecStart=/bin/sh -c 'install -d -m 0700 {os.path.dirname(path)} && {{ [ -s {path} ] || head -c 48 /dev/urandom > {path}; }} && chmod 0400 {path}'
""", ["multi-user.target"])
    requires = root / "etc/systemd/system" / f"{before}.requires"
    requires.mkdir(parents=True, exist_ok=True)
    (requires / "stellar-heads-test-secret.service").symlink_to("/etc/systemd/system/stellar-heads-test-secret.service")


# ---- the test's other nodes (NixOS test modules) -----------------------------------------

def prometheus(root: Path, settings: dict) -> None:
    """services.prometheus: Debian's server with the module's scrape configurations and rule
    files (copied in), on the module's address."""
    rules = []
    for source in settings["ruleFiles"]:
        target = f"/etc/prometheus/rules/{Path(source).name}"
        write(root, target, Path(source).read_text())
        rules.append(target)
    write(root, "/etc/prometheus/prometheus.yml", json.dumps({
        "global": {"scrape_interval": "15s"},
        "rule_files": rules,
        "scrape_configs": settings["scrapeConfigs"],
    }, indent=2))
    flags = [f"--web.listen-address={settings['listenAddress']}:{settings['port']}"]
    if settings.get("retentionTime"):
        flags.append(f"--storage.tsdb.retention.time={settings['retentionTime']}")
    write(root, "/etc/default/prometheus", f"ARGS=\"{' '.join(flags)}\"\n")
    enable(root, "prometheus.service")


def pebble(root: Path, domain: str, cert: Path, key: Path) -> None:
    """nixpkgs' nixos/tests/common/acme/server: pebble on 443 (directory) and 15000
    (management: the roots it signs with), validating HTTP-01 on port 80."""
    write(root, "/etc/pebble/cert.pem", cert.read_text())
    write(root, "/etc/pebble/key.pem", key.read_text())
    write(root, "/etc/pebble/pebble.json", json.dumps({"pebble": {
        "listenAddress": "0.0.0.0:443",
        "managementListenAddress": "0.0.0.0:15000",
        "certificate": "/etc/pebble/cert.pem",
        "privateKey": "/etc/pebble/key.pem",
        "httpPort": 80,
        "tlsPort": 443,
        "strict": True,
    }}, indent=2))
    unit(root, "pebble.service", f"""[Unit]
Description=Pebble ACME server ({domain})
After=network.target

[Service]
Environment=PEBBLE_VA_NOSLEEP=1
ExecStart=/usr/bin/pebble -config /etc/pebble/pebble.json
""", ["multi-user.target"])


def sshd(root: Path, user: str, host_key: str, authorized_key: str) -> None:
    """The off-site host: sshd with a fixed host key and one account for the copies."""
    for old in (root / "etc/ssh").glob("ssh_host_*"):
        old.unlink()
    write(root, "/etc/ssh/ssh_host_ed25519_key", host_key, 0o600)
    write(root, "/etc/ssh/sshd_config.d/test.conf",
          "HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\n")
    chroot(root, "useradd", "--create-home", "--shell", "/bin/sh", user)
    write(root, f"/home/{user}/.ssh/authorized_keys", authorized_key + "\n", 0o600)
    chroot(root, "chown", "-R", f"{user}:{user}", f"/home/{user}/.ssh")
    enable(root, "ssh.service")


def client_tools(root: Path, genuine_match: str) -> list[tuple[str, str]]:
    """curl, jq, the test wallet and the genuine match (the VM test's systemPackages)."""
    write(root, "/usr/local/bin/test-wallet",
          "#!/bin/sh\nexec python3 /usr/local/lib/test-wallet.py \"$@\"\n", 0o755)
    write(root, "/usr/local/lib/test-wallet.py", (REPO / "nixos/tests/test-wallet.py").read_text())
    (root / "usr/local/bin/stellar-heads-genuine-match").touch()
    return [(genuine_match, "/usr/local/bin/stellar-heads-genuine-match")]
