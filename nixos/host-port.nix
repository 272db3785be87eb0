# `address:port` for nginx upstreams, listeners and scrape targets, with an IPv6 address in
# brackets (plain data, shared by module.nix and monitoring.nix).
address: port:
if builtins.match ".*:.*" address != null
then "[${address}]:${toString port}"
else "${address}:${toString port}"
