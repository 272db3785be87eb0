# stellar-heads.socket, as plain data (no nixpkgs needed), so that CI renders it into a unit
# file next to the service and checks both with `systemd-analyze verify`, and the module uses
# exactly these settings. The module adds `SocketGroup` (services.stellar-heads.socket.group).
#
# systemd keeps the socket open while the server restarts: connections queue in its backlog
# and the next server answers them. A connection while the server is stopped starts it.
{
  # The path nginx proxies to.
  socket
}:
{
  listenStreams = [ socket ];
  socketConfig = {
    # Only the proxy's group may connect; the server, a dynamic user, never touches the file.
    SocketMode = "0660";
    # A stopped socket unit leaves no file behind that nginx would keep connecting to.
    RemoveOnStop = true;
  };
}
