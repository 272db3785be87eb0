# The single-host deployment end to end (nixos/tests/scenarios/single-host.nix): PostgreSQL, the
# socket-activated server, nginx with a certificate from a test ACME CA (pebble), metrics and
# verified backups copied off the host over SFTP; a client that signs up with its wallet and
# plays a genuine match through HTTPS.
#
# One script, two drivers: the NixOS test driver runs it in VMs (./stellar-heads.nix, in
# `nix flake check`); nixos/containers/driver.py runs it in systemd-nspawn containers in CI.
# Both define the machines (acme, offsite, server, client), start_all, subtest and
# `parameters_file`, a JSON file of the scenario's data; nothing in here is interpolated by Nix.
# Only calls that every NixOS driver of 2025-2026 accepts: timeouts as plain seconds, no retry();
# every wait is bounded (a unit that never comes up ends the run in minutes, not 15 each).
import json
import shlex
import time

parameters = json.load(open(parameters_file))
domain: str = parameters["domain"]
acme_domain: str = parameters["acmeDomain"]
backups: str = parameters["backupDirectory"]
# curl trusts pebble's root (downloaded below) for the site: the CA that signed the ACME
# endpoint's own certificate is not the one that signs the certificates it issues.
curl = "curl --fail --silent --show-error --cacert /tmp/pebble-root.pem"
site = f"https://{domain}"
json_headers = "-H 'content-type: application/json'"


def call(path: str, body: dict | None = None, token: str | None = None) -> str:
    """A curl command line for the API, with a JSON body (POST) and a token."""
    command = f"{curl} {json_headers}"
    if token is not None:
        command += f" -H 'authorization: Bearer {token}'"
    if body is not None:
        command += " --data " + shlex.quote(json.dumps(body))
    return f"{command} {site}/api{path}"


def count_rows(database: str) -> dict:
    """Every table's row count in `database` on the server."""
    tables = server.succeed(
        "sudo -u postgres psql -tA -d " + shlex.quote(database)
        + " -c \"select table_name from information_schema.tables "
        "where table_schema = 'public' and table_type = 'BASE TABLE' order by 1\""
    ).split()
    return {
        table: int(server.succeed(
            "sudo -u postgres psql -tA -d " + shlex.quote(database)
            + " -c " + shlex.quote(f'select count(*) from "{table}"')
        ).strip())
        for table in tables
    }


# The CA first: an order placed before pebble answers is retried only after 15 minutes.
acme.start()
acme.wait_for_unit("pebble.service", timeout=180)
acme.wait_for_open_port(443, timeout=60)
start_all()

with subtest("the service starts after the database, with migrations applied"):
    server.wait_for_unit("postgresql.service", timeout=180)
    server.wait_for_unit("stellar-heads.socket", timeout=180)
    server.wait_for_unit("nginx.service", timeout=180)
    # systemd's socket, for nginx's group only; the server starts on the first connection
    # (or at boot) as a dynamic user.
    server.succeed("test \"$(stat -c '%U %G %a' /run/stellar-heads/api.sock)\" = 'root nginx 660'")
    server.wait_for_unit("stellar-heads.service", timeout=180)
    server.succeed("systemctl show --property=DynamicUser stellar-heads.service | grep -qx DynamicUser=yes")
    server.fail("grep -q '^stellar-heads:' /etc/passwd")

with subtest("nginx got a certificate from the ACME CA, which the client verifies"):
    # pebble makes a new root at every start: the client trusts the one it serves.
    client.wait_until_succeeds(
        f"curl --fail --silent https://{acme_domain}:15000/roots/0 > /tmp/pebble-root.pem", timeout=60
    )
    client.succeed("grep -q 'BEGIN CERTIFICATE' /tmp/pebble-root.pem")
    # Until the issued certificate replaces the self-signed placeholder, this fails.
    client.wait_until_succeeds(f"{curl} {site}/health/ready", timeout=300)
    # Trusting only the CA of pebble's own endpoint (the system's store), the site does not
    # verify: the issued certificate chains to the root pebble made at start.
    client.fail(f"curl --fail --silent --show-error {site}/health/ready")

with subtest("the service runs as a dynamic user that can write nowhere but its private /tmp"):
    pid = server.succeed("systemctl show --property=MainPID --value stellar-heads.service").strip()
    uid = int(server.succeed(f"awk '/^Uid:/ {{print $2}}' /proc/{pid}/status").strip())
    gid = int(server.succeed(f"awk '/^Gid:/ {{print $2}}' /proc/{pid}/status").strip())
    # systemd's dynamic range (systemd.exec(5)).
    assert 61184 <= uid <= 65519, uid
    as_service = f"nsenter --target {pid} --mount --setuid {uid} --setgid {gid} --"
    # Directories anyone may write: only the sandbox (ProtectSystem=strict, ProtectHome)
    # stops the service there, not file permissions.
    probes = ["/var/lib/probe", "/run/probe", "/etc/probe", "/home/probe", "/srv/probe"]
    server.succeed("install -d -m 1777 " + " ".join(probes))
    server.succeed(f"su -s /bin/sh nobody -c 'touch {probes[0]}/by-nobody'")
    shared = ["/run/lock", "/dev/shm"]  # anyone's on the host
    for directory in ["/", "/etc", "/var/lib", backups, "/run", "/run/stellar-heads", "/home", "/root", *probes, *shared]:
        server.fail(f"{as_service} touch {shlex.quote(directory)}/written-by-the-service")
    server.succeed(f"{as_service} touch /tmp/written-by-the-service")
    server.fail("test -e /tmp/written-by-the-service")

with subtest("the service's sandbox scores within the module's promise"):
    threshold = parameters["exposureThreshold"]
    server.succeed(f"systemd-analyze security --threshold={threshold} stellar-heads.service")

with subtest("a client signs up with its wallet's signature and plays a genuine match through HTTPS"):
    # The mode of stellar-heads-genuine-match's matches.
    mode = {"kind": "vs_computer", "difficulty": "normal"}
    address = client.succeed("test-wallet address").strip()
    # Without the key's signature, no account.
    client.fail(call("/auth/register", {"username": "squatter", "wallet_address": address}))
    challenge = json.loads(client.succeed(call("/auth/challenge", {"wallet_address": address})))
    assert challenge["registered"] is False, challenge
    signature = client.succeed(
        "printf %s " + shlex.quote(challenge["message"]) + " | test-wallet sign"
    ).strip()
    token = json.loads(client.succeed(call("/auth/register", {
        "username": "vm_player",
        "wallet_address": address,
        "challenge": challenge["challenge"],
        "signature": signature,
    })))["token"]
    ticket = json.loads(client.succeed(call("/matches", {"mode": mode}, token)))
    match_id = ticket["match_id"]
    started = time.monotonic()
    # The match played headless with the ticket's seed (the player stands still against the
    # normal computer), with its record: what a browser would submit.
    genuine = json.loads(client.succeed(f"stellar-heads-genuine-match --seed {ticket['seed']}"))
    assert genuine["mode"] == mode, genuine
    ticks = genuine["result"]["record"]["ticks"]
    # A result typed by hand is never believed: it must carry a record the server re-plays.
    client.fail(call(f"/matches/{match_id}/result", {"player_score": 5, "opponent_score": 0}, token))
    # The match's real time must pass before its result is believed.
    time.sleep(max(0.0, ticks / 60 + 2 - (time.monotonic() - started)))
    stored = json.loads(client.succeed(call(f"/matches/{match_id}/result", genuine["result"], token)))
    board = json.loads(client.succeed(f"{curl} {site}/api/leaderboard"))
    assert board["entries"][0]["username"] == "vm_player", board
    assert board["entries"][0]["played"] == 1, (board, stored)

with subtest("leaving a ranked match forfeits it"):
    first = json.loads(client.succeed(call("/matches", {"mode": mode}, token)))
    second = json.loads(client.succeed(call("/matches", {"mode": mode}, token)))
    assert second["forfeited"] == first["match_id"], second
    board = json.loads(client.succeed(f"{curl} {site}/api/leaderboard"))
    assert board["entries"][0]["played"] == 2, board

with subtest("the site and the game are served by nginx, precompressed and cached"):
    client.succeed(f"{curl} {site}/ | grep stellar-heads-app > /dev/null")
    client.succeed(f"{curl} -H 'accept: text/html' {site}/leaderboard | grep stellar-heads-app > /dev/null")
    wasm = client.succeed(
        f"{curl} {site}/game/index.html | grep -o 'stellar_heads_game-[0-9a-f]*_bg.wasm' | head -1"
    ).strip()
    assert wasm, "no hashed wasm in the game's page"
    headers = client.succeed(f"{curl} --head -H 'accept-encoding: br' {site}/game/{wasm}").lower()
    assert "content-type: application/wasm" in headers, headers
    assert "content-encoding: br" in headers, headers
    assert "immutable" in headers, headers
    client.fail(f"{curl} {site}/missing-0123456789abcdef.js")

with subtest("the edges hold through nginx: no redirect off the site, no 5xx for odd names, a big body refused at once"):
    # Any status is an answer here (no --fail); the client trusts pebble's root.
    write_out = "--cacert /tmp/pebble-root.pem --output /dev/null --write-out '%{http_code} %{redirect_url}'"
    for path in ["//game", "///game", "//game?x=1", "//api/leaderboard"]:
        code, _, location = client.succeed(f"curl --silent {write_out} {site}{path}").partition(" ")
        assert int(code) < 500, (path, code)
        # curl resolves the Location: one that left the site names another host.
        assert location == "" or location.startswith(f"{site}/"), (path, location)
    for path in ["/" + "a" * 300 + ".js", "/" + "a" * 300, "/" + "a/" * 2500, "/api/" + "a" * 300]:
        code = client.succeed(f"curl --silent {write_out} {site}{path}").split(" ")[0]
        assert 200 <= int(code) < 500, (len(path), code)
    # 50 MB announced, one byte sent: refused from the Content-Length, within seconds.
    code = client.succeed(
        f"curl --silent --max-time 10 {write_out} -H 'content-type: application/json' "
        f"-H 'content-length: 50000000' --data x {site}/api/auth/register"
    ).split(" ")[0]
    assert code == "413", code

with subtest("pages, hashed files, the game and API answers carry the security headers exactly once"):
    script = client.succeed(
        f"{curl} {site}/ | grep -o '[A-Za-z0-9_.-]*-[0-9a-f]\\{{12,16\\}}\\.js' | head -1"
    ).strip()
    assert script, "no hashed script in the page"
    for path in ["/", f"/{script}", f"/game/{wasm}", "/api/leaderboard"]:
        headers = client.succeed(f"{curl} --output /dev/null --dump-header - {site}{path}").lower()
        for name in ["content-security-policy:", "x-frame-options:", "strict-transport-security:",
                     "x-content-type-options:", "referrer-policy:", "cross-origin-opener-policy:"]:
            assert headers.count(name) == 1, (path, name, headers)
        assert "frame-ancestors 'self'" in headers, (path, headers)

with subtest("a restart loses nothing, and no request made during it fails"):
    # Requests through nginx every 20 ms while the service restarts: systemd's socket holds
    # them until the next server accepts.
    client.succeed(
        "for i in $(seq 1 150); do "
        f"{curl} --output /dev/null {site}/api/leaderboard || echo failed; "
        "sleep 0.02; done > /tmp/during-restart 2>&1 & "
        "echo $! > /tmp/load.pid"
    )
    server.succeed("systemctl restart stellar-heads.service")
    server.wait_for_unit("stellar-heads.service", timeout=180)
    client.wait_until_succeeds("! kill -0 $(cat /tmp/load.pid) 2>/dev/null", timeout=60)
    client.succeed("test $(wc -l < /tmp/during-restart) -eq 0 || { cat /tmp/during-restart; false; }")
    client.wait_until_succeeds(f"{curl} {site}/health/ready", timeout=60)
    mine = json.loads(client.succeed(call("/matches/mine", token=token)))
    assert len(mine["matches"]) == 2, mine

with subtest("the backup timer's job writes a verified dump that restores with every row"):
    server.succeed("systemctl list-timers stellar-heads-backup.timer | grep stellar-heads-backup > /dev/null")
    server.succeed("systemctl start stellar-heads-backup.service")
    server.succeed(f"test $(stat -c %a {backups}) = 700")
    dump = server.succeed(f"ls -1t {backups}/*.dump | head -1").strip()
    # Written by the backups' own user, not the database superuser.
    server.succeed(f"test \"$(stat -c '%a %U' {dump})\" = '600 stellar-heads-backup'")
    server.succeed(
        "test $(sudo -u postgres psql -tAc \"select rolsuper from pg_roles where rolname = 'stellar-heads-backup'\") = f"
    )
    live = count_rows("stellar-heads")
    assert live.get("matches") == 2, live
    server.succeed(
        "sudo -u postgres createdb restore_check && "
        f"sudo -u postgres pg_restore --no-owner --dbname restore_check < {dump}"
    )
    restored = count_rows("restore_check")
    assert restored == live, (restored, live)

with subtest("the dumps are copied off the host, kept there by their own count, and restore from there"):
    server.succeed("systemctl start stellar-heads-backup.service")
    copies = offsite.succeed(f"ls -1 {parameters['offsiteDirectory']}").split()
    # Two runs, offHost.keep = 1: only the newest is left there; both here.
    assert len(copies) == 1, copies
    newest = server.succeed(f"ls -1t {backups}/*.dump | head -1").strip().split("/")[-1]
    assert copies[0] == newest, (copies, newest)
    # The restore procedure of the README, from the off-site copy alone.
    server.succeed(
        "rclone --config /etc/stellar-heads-offsite/rclone.conf "
        f"copyto offsite:stellar-heads/{copies[0]} /tmp/offsite.dump && "
        "sudo -u postgres createdb restore_offsite && "
        "sudo -u postgres pg_restore --no-owner --dbname restore_offsite < /tmp/offsite.dump"
    )
    restored = count_rows("restore_offsite")
    assert restored == live, (restored, live)

with subtest("the backups' and the certificate's times and the server's metrics reach node exporter"):
    server.succeed("systemctl start stellar-heads-cert-expiry.service")
    exported = server.succeed("curl --fail --silent http://127.0.0.1:9100/metrics")
    for metric in ["stellar_heads_backup_last_success_timestamp_seconds",
                   "stellar_heads_backup_offsite_last_success_timestamp_seconds",
                   f"stellar_heads_tls_certificate_expiry_timestamp_seconds{{domain=\"{domain}\"}}"]:
        assert metric in exported, metric
    server.succeed("curl --fail --silent http://127.0.0.1:9464/metrics | grep '^stellar_heads_database_up 1' > /dev/null")
