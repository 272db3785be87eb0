# The site's nginx configuration, as plain data (no nixpkgs needed), so that CI can render it
# into an nginx.conf, check it with `nginx -t` and serve with it, and the module uses exactly
# these settings.
#
# Returns the `http`-level snippet, the server-level snippet and the virtual host's
# `locations` in the shape of the NixOS option services.nginx.virtualHosts.<name>.locations.
{
  # All in one: where the backend listens (a unix socket only nginx can reach).
  socket ? null
, # The edge: the API nodes (`address:port` on the private network), load-balanced, each
  # taken out for `failTimeout` after `maxFails` failed attempts (nginx's passive health
  # checks; the defaults are the module's, from ./defaults.nix). Exactly one of `socket` and
  # `apiServers`.
  apiServers ? [ ]
, maxFails ? (import ./defaults.nix).edge.maxFails
, failTimeout ? (import ./defaults.nix).edge.failTimeout
, # The headers every response carries (lower-case name -> value): the same file the backend
  # embeds, so pages, files and API answers carry one identical set. The module replaces the
  # CSP with the server's `content_security_policy` when that is set.
  securityHeaders ? builtins.fromJSON (builtins.readFile ../backend/security-headers.json)
, # Requests per minute and burst for the sign-up and sign-in endpoints, per client address.
  authRatePerMinute ? 20
, authBurst ? 10
}:
assert (socket == null) != (apiServers == [ ])
  || throw "nginx.nix: give `socket` (all in one) or `apiServers` (the edge), not both or neither";
let
  inherit ((import ./defaults.nix).edge) failTimeoutPattern;
  upstreamName = "stellar_heads_api";
  upstream = if socket != null then "http://unix:${socket}:" else "http://${upstreamName}";
  # nginx's `server` takes host:port; a bare IPv6 address would be misread.
  checkedServer = server:
    if builtins.match "(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):[0-9]+" server == null
    then throw "nginx.nix: API server ${server} is not address:port (IPv6 in brackets)"
    else server;
  # Both go into the `server` line as they are: refuse what would break out of it.
  checkedMaxFails =
    if builtins.isInt maxFails && maxFails > 0 then toString maxFails
    else throw "nginx.nix: maxFails must be a positive integer";
  checkedFailTimeout =
    if builtins.isString failTimeout && builtins.match failTimeoutPattern failTimeout != null
    then failTimeout
    else throw "nginx.nix: failTimeout must be an nginx time such as 10s, 1m or 500ms";
  upstreamBlock = lines ([ "upstream ${upstreamName} {" ]
    ++ map (server: "  server ${checkedServer server} max_fails=${checkedMaxFails} fail_timeout=${checkedFailTimeout};") apiServers
    ++ [
    # Connections to the nodes are reused (with HTTP/1.1 and no Connection header, below).
    "  keepalive 32;"
    "}"
  ]);
  # On the edge, a request a node could not take (refused or reset connection, timeout, 502,
  # 504) goes to the next node. nginx never sends a non-idempotent request (POST) on once it
  # reached a node; a connection refused reached nothing, so even a POST moves on. A 503 is
  # the server's own back-pressure (every verifier busy, Retry-After): passed to the client.
  edgeProxyConfig = lines [
    "proxy_http_version 1.1;"
    "proxy_set_header Connection \"\";"
    "proxy_next_upstream error timeout http_502 http_504;"
    "proxy_next_upstream_tries 3;"
    "proxy_next_upstream_timeout 10s;"
    "proxy_connect_timeout 2s;"
  ];
  lines = builtins.concatStringsSep "\n";
  names = builtins.attrNames securityHeaders;
  # add_header takes the value in double quotes, with variables: refuse what would break it.
  quoted = name:
    let value = securityHeaders.${name}; in
    if builtins.match ''.*["$\\].*'' value != null
    then throw "nginx.nix: the ${name} header must not contain a double quote, a dollar or a backslash"
    else ''"${value}"'';
  # nginx drops every inherited add_header in a location that adds one: such locations repeat
  # them. `always`: also on nginx's own answers (404, 429, 502).
  addSecurityHeaders = lines (map (name: "add_header ${name} ${quoted name} always;") names);
  # The backend sends the same headers on its answers: drop its copies, so nginx's (inherited
  # from the server level) appear exactly once.
  hideBackendHeaders = lines (map (name: "proxy_hide_header ${name};") names);
  # `^~`: a prefix that wins over the regex locations below (an API path ending in `.js` is
  # still the API's).
  proxied = extraConfig: {
    proxyPass = upstream;
    extraConfig = lines ([ hideBackendHeaders ]
      ++ (if apiServers != [ ] then [ edgeProxyConfig ] else [ ])
      ++ [ extraConfig ]);
  };
  # The rate-limit key of a client, as the backend keys it: an IPv4 client's address, an IPv6
  # client's /64 (one machine gets a whole /64: keying on the address would give it 2^64
  # budgets). nginx prints IPv6 addresses in RFC 5952 form, so the /64 is the first four
  # groups of one of these shapes (groups left out by "::" are zeros). `@source@` stands for
  # the address variable. nixos/checks/client-key-check.py runs these in nginx against
  # Python's own /64 of thousands of addresses.
  clientKeyRules = [
    [ "~^::ffff:([0-9.]+)$" "$1" ]
    [ "~^[0-9.]+$" "@source@" ]
    [ "~^([0-9a-f]+:[0-9a-f]+:[0-9a-f]+:[0-9a-f]+):" "$1" ]
    [ "~^([0-9a-f]+:[0-9a-f]+:[0-9a-f]+)::" "$1:0" ]
    [ "~^([0-9a-f]+:[0-9a-f]+)::" "$1:0:0" ]
    [ "~^([0-9a-f]+)::([0-9a-f]+)(:[0-9a-f]+){4}$" "$1:0:0:$2" ]
    [ "~^([0-9a-f]+)::" "$1:0:0:0" ]
    [ "~^::([0-9a-f]+):([0-9a-f]+)(:[0-9a-f]+){4}$" "0:0:$1:$2" ]
    [ "~^::([0-9a-f]+)(:[0-9a-f]+){4}$" "0:0:0:$1" ]
    [ "~^::" "0:0:0:0" ]
  ];
  clientKeyMap = source: variable: lines ([ "map ${source} ${variable} {" ]
    ++ map
    (rule: "  \"${builtins.elemAt rule 0}\" \"${builtins.replaceStrings [ "@source@" ] [ source ] (builtins.elemAt rule 1)}\";")
    clientKeyRules
    ++ [ "  default ${source};" "}" ]);
  # Build reports that sit in the web root but are not the site's.
  notServed = [ "/frontend-size-report.txt" "/game/size-report.txt" "/game/.source-sha256" ];
in
{
  inherit clientKeyRules;

  httpConfig = ''
    ${if apiServers != [ ] then upstreamBlock else ""}
    ${clientKeyMap "$remote_addr" "$stellar_heads_client"}
    limit_req_zone $stellar_heads_client zone=stellar_heads_auth:10m rate=${toString authRatePerMinute}r/m;
  '';

  serverConfig = ''
    ${addSecurityHeaders}
    # The build ships .br and .gz next to every file: send those, never compress on the fly.
    gzip_static on;
    brotli_static on;
  '';

  locations = builtins.listToAttrs (map (path: { name = "= ${path}"; value.return = "404"; }) notServed) // {
    # Content-hashed assets (`name-0123456789abcdef.js`) never change. trunk drops a hash's
    # leading zeros, so it may have fewer than 16 digits.
    "~ \"-[0-9a-f]{12,16}(_bg)?\\.(js|wasm|css|svg)$\"" = {
      tryFiles = "$uri =404";
      extraConfig = ''
        ${addSecurityHeaders}
        add_header Cache-Control "public, max-age=31536000, immutable" always;
      '';
    };
    # Any other file: exactly that file or 404, never index.html for a missing script.
    "~ \\.[A-Za-z0-9]+$" = {
      tryFiles = "$uri =404";
      extraConfig = ''
        ${addSecurityHeaders}
        add_header Cache-Control "no-cache" always;
      '';
    };
    # Page navigations: the single-page app routes them.
    "/" = {
      tryFiles = "$uri /index.html";
      extraConfig = ''
        ${addSecurityHeaders}
        add_header Cache-Control "no-cache" always;
      '';
    };
    "^~ /api/" = proxied "";
    "^~ /health" = proxied "";
    "^~ /api/auth/" = proxied ''
      limit_req zone=stellar_heads_auth burst=${toString authBurst} nodelay;
      limit_req_status 429;
    '';
  };
}
