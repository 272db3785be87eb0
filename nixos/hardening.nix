# The sandbox of stellar-heads.service (and of its backup job), as plain data (no nixpkgs
# needed), so that CI can render it into a unit file and score it with `systemd-analyze
# security`, and the module uses exactly the same settings.
#
# The service needs only unix sockets: it serves the one systemd passes it and reaches
# the local PostgreSQL through another. So it can run without any network at all. When it
# must use IP (a database over TCP, serving on the private network, metrics for Prometheus,
# an off-host backup copy: `networked = true`), exactly that is relaxed: the IP address
# families and the network namespace, and only for the addresses listed.
{ networked ? false
, # With `networked`: the addresses (or CIDR ranges) it may exchange packets with (the
  # database, the edge, Prometheus); nothing else is reachable.
  addresses ? [ ]
}:
{
  # Identity: a user with no privileges and nothing to escalate to. The unit sets User= (the
  # service: DynamicUser, as nginx reaches it through systemd's socket, not a group).
  CapabilityBoundingSet = "";
  AmbientCapabilities = "";
  NoNewPrivileges = true;
  RestrictSUIDSGID = true;
  PrivateUsers = true;
  RemoveIPC = true;
  KeyringMode = "private";

  # File system: read-only everywhere (the socket is systemd's; the unit has no runtime
  # directory, whose removal on stop would take the socket with it).
  ProtectSystem = "strict";
  # "strict" leaves /run writable (and /run/lock is anyone's), and PrivateDevices keeps the
  # host's /dev/shm: the service only connects to sockets in /run (PostgreSQL's, systemd's
  # notify socket), which a read-only mount allows, and uses no shared memory. (The
  # container scenario's probe found both.)
  ReadOnlyPaths = [ "/run" "/dev/shm" ];
  ProtectHome = true;
  PrivateTmp = true;
  PrivateMounts = true;
  PrivateDevices = true;
  DeviceAllow = "";
  ProtectProc = "invisible";
  ProcSubset = "pid";
  UMask = "0077";

  # Kernel and host.
  ProtectKernelTunables = true;
  ProtectKernelModules = true;
  ProtectKernelLogs = true;
  ProtectControlGroups = true;
  ProtectClock = true;
  ProtectHostname = true;
  LockPersonality = true;
  MemoryDenyWriteExecute = true;
  RestrictRealtime = true;
  RestrictNamespaces = true;

  # System calls: only what a network service uses, minus privileged, resource, setuid and
  # keyring calls; anything else fails with EPERM instead of killing the process.
  SystemCallArchitectures = "native";
  SystemCallFilter = [
    "@system-service"
    "~@privileged"
    "~@resources"
    "~@setuid"
    "~@keyring"
  ];
  SystemCallErrorNumber = "EPERM";

  # Network: unix sockets only, in a network namespace of its own, unless IP is needed; then
  # only to and from the listed addresses.
  PrivateNetwork = !networked;
  RestrictAddressFamilies = if networked then [ "AF_UNIX" "AF_INET" "AF_INET6" ] else [ "AF_UNIX" ];
  IPAddressDeny = "any";
}
  // (if networked then { IPAddressAllow = addresses; } else { })
