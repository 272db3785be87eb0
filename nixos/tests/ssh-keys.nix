# Fixed SSH keys for the tests' off-host backup copy, as nixpkgs' nixos/tests/ssh-keys.nix
# does: literal strings, so no test reads a key file out of a derivation at evaluation time
# (import-from-derivation). Test-only: these private keys are public and protect nothing.
{
  client = {
    private = ''
      -----BEGIN OPENSSH PRIVATE KEY-----
      b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
      QyNTUxOQAAACC5O3wODwbSsmjtF2FRPuF1UeuQoubgCoJEvw2v+oI1xwAAAKAQym1KEMpt
      SgAAAAtzc2gtZWQyNTUxOQAAACC5O3wODwbSsmjtF2FRPuF1UeuQoubgCoJEvw2v+oI1xw
      AAAEACQwuShUyf05HWWGTg4V4Hv8K2Hj2/20E6SuOsan7dArk7fA4PBtKyaO0XYVE+4XVR
      65Ci5uAKgkS/Da/6gjXHAAAAGXN0ZWxsYXItaGVhZHMtdGVzdC1jbGllbnQBAgME
      -----END OPENSSH PRIVATE KEY-----
    '';
    public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILk7fA4PBtKyaO0XYVE+4XVR65Ci5uAKgkS/Da/6gjXH stellar-heads-test-client";
  };
  host = {
    private = ''
      -----BEGIN OPENSSH PRIVATE KEY-----
      b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
      QyNTUxOQAAACB5jKA7bGqWznfM0Q+sbf/LRiBLDynEggxQw1FtmSYFkAAAAKCJjTpyiY06
      cgAAAAtzc2gtZWQyNTUxOQAAACB5jKA7bGqWznfM0Q+sbf/LRiBLDynEggxQw1FtmSYFkA
      AAAECm2bSU1Guq8mYayo2SGDpR/xFeCl1xY98S+aAPpCUJXnmMoDtsapbOd8zRD6xt/8tG
      IEsPKcSCDFDDUW2ZJgWQAAAAF3N0ZWxsYXItaGVhZHMtdGVzdC1ob3N0AQIDBAUG
      -----END OPENSSH PRIVATE KEY-----
    '';
    public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHmMoDtsapbOd8zRD6xt/8tGIEsPKcSCDFDDUW2ZJgWQ stellar-heads-test-host";
  };
}
