# Past one machine (nixos/tests/scenarios/scale-out.nix): an edge (nginx, the web root,
# Prometheus; Grafana in the VMs), two API nodes on the private network, PostgreSQL on its own
# host over verified TLS, and a client. A genuine match is played through the edge; one API
# node is stopped under load (no idempotent request fails, the match is stored once) and
# brought back; Prometheus scrapes every node and loads the alert rules.
#
# One script, two drivers (see ./stellar-heads.py): the NixOS test driver in VMs
# (./scale-out.nix), nixos/containers/driver.py in CI. JSON is read here, in Python: the
# script needs no tool on a machine beyond curl (and sudo/psql on the database).
import json
import shlex
import time

parameters = json.load(open(parameters_file))
domain: str = parameters["domain"]
db_password: str = parameters["dbPassword"]
site = f"https://{domain}"
# The client trusts the test CA (the system's store, in both drivers).
curl = "curl --fail --silent --show-error"
api = f"{curl} -H 'content-type: application/json' {site}/api"


def prometheus(query: str) -> list:
    """The result of a PromQL query on the edge's Prometheus."""
    answer = json.loads(edge.succeed(
        "curl --fail --silent http://127.0.0.1:9090/api/v1/query --data-urlencode "
        + shlex.quote(f"query={query}")
    ))
    return answer["data"]["result"]


def wait_for_prometheus(query: str, count: int, timeout: float) -> None:
    """Until `query` has `count` series (scrapes come every 15-60 s)."""
    deadline = time.monotonic() + timeout
    while len(prometheus(query)) != count:
        assert time.monotonic() < deadline, f"{query}: not {count} series after {timeout} s: {prometheus(query)}"
        time.sleep(2)


# The mode of stellar-heads-genuine-match's matches.
mode = {"kind": "vs_computer", "difficulty": "normal"}
start_all()

database.wait_for_unit("postgresql.service", timeout=180)
for node in [api1, api2]:
    node.wait_for_unit("stellar-heads.service", timeout=180)
edge.wait_for_unit("nginx.service", timeout=180)

with subtest("the API nodes reach the database over TLS, verified, with their share of connections"):
    database.wait_until_succeeds(
        "test $(sudo -u postgres psql -tAc \"select count(*) from pg_stat_ssl join pg_stat_activity using (pid) "
        "where ssl and application_name = 'stellar-heads'\") -ge 2",
        timeout=120,
    )
    # Over the private network: with TLS the password is accepted; without, refused.
    # Its address on the test network (its own name may resolve to 127.0.0.2 there).
    address = database.succeed("ip -4 -o addr show dev eth1 | awk '{split($4, a, \"/\"); print a[1]; exit}'").strip()
    login = (f"PGPASSWORD={shlex.quote(db_password)} psql -tAc 'select 1' "
             f"'postgres://stellar-heads@{address}/stellar-heads?sslmode=")
    database.succeed(login + "require'")
    database.fail(login + "disable'")

with subtest("only the edge reaches the API nodes; only Prometheus their metrics"):
    client.wait_until_succeeds(f"{curl} {site}/health/ready", timeout=120)
    for name in ["api1", "api2"]:
        client.fail(f"curl --fail --silent --max-time 3 http://{name}:8080/health/live")
        client.fail(f"curl --fail --silent --max-time 3 http://{name}:9464/metrics")
        edge.succeed(f"curl --fail --silent http://{name}:8080/health/live")
        edge.succeed(f"curl --fail --silent http://{name}:9464/metrics | grep '^stellar_heads_database_up 1' > /dev/null")
    api1.succeed("systemd-analyze security --threshold=10 stellar-heads.service")

with subtest("a player signs up and starts a ranked match through the edge"):
    wallet = client.succeed("test-wallet address").strip()
    challenge = json.loads(client.succeed(
        f"{api}/auth/challenge --data " + shlex.quote(json.dumps({"wallet_address": wallet}))
    ))
    signature = client.succeed(
        "printf %s " + shlex.quote(challenge["message"]) + " | test-wallet sign"
    ).strip()
    token = json.loads(client.succeed(f"{api}/auth/register --data " + shlex.quote(json.dumps({
        "username": "scaled_player",
        "wallet_address": wallet,
        "challenge": challenge["challenge"],
        "signature": signature,
    }))))["token"]
    authed = f"{curl} -H 'content-type: application/json' -H 'authorization: Bearer {token}' {site}/api"
    ticket = json.loads(client.succeed(
        f"{authed}/matches --data " + shlex.quote(json.dumps({"mode": mode}))
    ))
    match_id = ticket["match_id"]
    # The match played headless with the ticket's seed (the player stands still against the
    # normal computer), with its record: what a browser would submit.
    genuine = json.loads(client.succeed(f"stellar-heads-genuine-match --seed {ticket['seed']}"))
    ticks = genuine["result"]["record"]["ticks"]
    # The token works on either node: several requests land on both.
    for _ in range(6):
        client.succeed(f"{authed}/me")
    started = time.monotonic()

with subtest("one API node stops under load: no idempotent request fails, the match is stored once"):
    client.succeed(
        "for i in $(seq 1 300); do "
        f"{curl} --output /dev/null {site}/api/leaderboard || echo failed leaderboard; "
        f"{curl} --output /dev/null {site}/health/ready || echo failed ready; "
        "sleep 0.02; done > /tmp/during-stop 2>&1 & echo $! > /tmp/load.pid"
    )
    time.sleep(2)
    # The socket too, or systemd would start the server again on the next connection.
    api1.succeed("systemctl stop stellar-heads.socket stellar-heads.service")
    # The match's real time must pass before its result is believed.
    time.sleep(max(0.0, ticks / 60 + 2 - (time.monotonic() - started)))
    submit = f"{authed}/matches/{match_id}/result --data " + shlex.quote(json.dumps(genuine["result"]))
    # As the page does: retry until the result is acknowledged.
    client.wait_until_succeeds(submit, timeout=60)
    # A retry of the same result is acknowledged again, never stored twice.
    client.succeed(submit)
    client.wait_until_succeeds("! kill -0 $(cat /tmp/load.pid) 2>/dev/null", timeout=120)
    client.succeed("test $(wc -l < /tmp/during-stop) -eq 0 || { cat /tmp/during-stop; false; }")
    database.succeed(
        "test $(sudo -u postgres psql -tAc \"select count(*) from matches "
        f"where id = '{match_id}' and status = 'verified'\" stellar-heads) = 1"
    )
    board = json.loads(client.succeed(f"{curl} {site}/api/leaderboard"))
    assert board["entries"][0]["username"] == "scaled_player", board

with subtest("the node comes back and takes requests again"):
    api1.succeed("systemctl start stellar-heads.socket stellar-heads.service")
    api1.wait_for_unit("stellar-heads.service", timeout=120)
    # (A node that has served nothing since it started has no such series yet: 0.)
    served = ("curl --fail --silent http://api1:9464/metrics "
              "| awk '/^stellar_heads_http_requests_total/ {s+=$2} END {print s+0}'")
    before = int(edge.succeed(served).strip())
    # nginx tries a failed node again after fail_timeout (10 s).
    deadline = time.monotonic() + 60
    while True:
        client.succeed(f"for i in $(seq 1 20); do {curl} --output /dev/null {site}/api/leaderboard; done")
        if int(edge.succeed(served).strip()) > before:
            break
        assert time.monotonic() < deadline, "api1 took no request within 60 s of coming back"
        time.sleep(1)

with subtest("Prometheus scrapes every node and loads the alert rules"):
    wait_for_prometheus('up{job="stellar-heads"} == 1', 2, timeout=120)
    wait_for_prometheus('up{job="stellar-heads-node"} == 1', 3, timeout=180)
    rules = json.loads(edge.succeed("curl --fail --silent http://127.0.0.1:9090/api/v1/rules"))
    names = [rule["name"] for group in rules["data"]["groups"] for rule in group["rules"]]
    assert "StellarHeadsDatabaseDown" in names, names
    # The edge's certificate expiry, recorded for its alert.
    edge.succeed("systemctl start stellar-heads-cert-expiry.service")
    wait_for_prometheus("stellar_heads_tls_certificate_expiry_timestamp_seconds", 1, timeout=180)

if parameters["grafana"]:
    with subtest("Grafana has the dashboard, behind the operator's admin password"):
        edge.wait_for_unit("grafana.service", timeout=180)
        dashboard = "http://127.0.0.1:3000/api/dashboards/uid/stellar-heads"
        password = shlex.quote(parameters["grafanaPassword"])
        edge.wait_until_succeeds(f"curl --fail --silent -u admin:{password} {dashboard} | grep '\"title\":\"Stellar Heads\"' > /dev/null", timeout=120)
        edge.fail(f"curl --fail --silent -u admin:admin {dashboard}")

with subtest("with the database down, every node says so to Prometheus"):
    database.succeed("systemctl stop postgresql.service")
    wait_for_prometheus("stellar_heads_database_up == 0", 2, timeout=120)
    database.succeed("systemctl start postgresql.service")
    client.wait_until_succeeds(f"{curl} {site}/health/ready", timeout=60)
