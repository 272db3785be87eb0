# stellar-heads.socket, as plain data (no nixpkgs needed), so that CI renders it into a unit
# file next to the service and checks both with `systemd-analyze verify`, and the module uses
# exactly these settings. On a unix socket the module adds `SocketGroup`
# (services.stellar-heads.socket.group).
#
# systemd keeps the socket open while the server restarts: connections queue in its backlog
# and the next server answers them. A connection while the server is stopped starts it.
{
  # A unix socket's path (all in one: nginx proxies to it), or `address:port` on the private
  # network (an API node: the edge proxies to it).
  listen
, # On the private network: the only addresses that may connect (the edge's).
  allowFrom ? [ ]
}:
let
  unix = builtins.substring 0 1 listen == "/";
in
{
  listenStreams = [ listen ];
  socketConfig =
    if unix then {
      # Only the proxy's group may connect; the server, a dynamic user, never touches the file.
      SocketMode = "0660";
      # A stopped socket unit leaves no file behind that nginx would keep connecting to.
      RemoveOnStop = true;
    } else {
      # Bind the private address even before its interface is configured.
      FreeBind = true;
      # Connections from anyone but the edge are dropped by the kernel before the server
      # sees them (the service repeats the list, as systemd.resource-control(5) advises).
      IPAddressAllow = allowFrom;
      IPAddressDeny = "any";
    };
}
