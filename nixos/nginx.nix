# The site's nginx configuration, as plain data (no nixpkgs needed), so that CI can render it
# into an nginx.conf and check it with `nginx -t`, and the module uses exactly these settings.
#
# Returns the `http`-level snippet, the server-level snippet and the virtual host's
# `locations` in the shape of the NixOS option services.nginx.virtualHosts.<name>.locations.
{
  # Where the backend listens (a unix socket only nginx can reach).
  socket
, # Requests per minute and burst for the sign-up and sign-in endpoints, per client address.
  authRatePerMinute ? 20
, authBurst ? 10
}:
let
  upstream = "http://unix:${socket}:";
  # nginx drops every inherited add_header in a location that adds one: repeat them.
  securityHeaders = ''
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    add_header X-Content-Type-Options nosniff always;
  '';
in
{
  httpConfig = ''
    limit_req_zone $binary_remote_addr zone=stellar_heads_auth:10m rate=${toString authRatePerMinute}r/m;
  '';

  serverConfig = ''
    ${securityHeaders}
    # The build ships .br and .gz next to every file: send those, never compress on the fly.
    gzip_static on;
    brotli_static on;
  '';

  locations = {
    # Content-hashed assets (`name-0123456789abcdef.js`) never change. trunk drops a hash's
    # leading zeros, so it may have fewer than 16 digits.
    "~ \"-[0-9a-f]{12,16}(_bg)?\\.(js|wasm|css|svg)$\"" = {
      tryFiles = "$uri =404";
      extraConfig = ''
        ${securityHeaders}
        add_header Cache-Control "public, max-age=31536000, immutable" always;
      '';
    };
    # Any other file: exactly that file or 404, never index.html for a missing script.
    "~ \\.[A-Za-z0-9]+$" = {
      tryFiles = "$uri =404";
      extraConfig = ''
        ${securityHeaders}
        add_header Cache-Control "no-cache" always;
      '';
    };
    # Page navigations: the single-page app routes them.
    "/" = {
      tryFiles = "$uri /index.html";
      extraConfig = ''
        ${securityHeaders}
        add_header Cache-Control "no-cache" always;
      '';
    };
    "/api/" = {
      proxyPass = upstream;
    };
    "/health" = {
      proxyPass = upstream;
    };
    "/api/auth/" = {
      proxyPass = upstream;
      extraConfig = ''
        limit_req zone=stellar_heads_auth burst=${toString authBurst} nodelay;
        limit_req_status 429;
      '';
    };
  };
}
