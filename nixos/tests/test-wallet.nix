# `test-wallet`: signs the server's challenge with a fixed test key, as a player's wallet does
# (./test-wallet.py), for the VM tests' clients.
pkgs:
pkgs.writers.writePython3Bin "test-wallet"
{
  libraries = [ pkgs.python3Packages.cryptography ];
  flakeIgnore = [ "E501" ];
}
  (builtins.readFile ./test-wallet.py)
