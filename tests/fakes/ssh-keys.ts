// ed25519 key pairs for the SSH tests and fakes. ssh2's generateKeyPairSync strips leading
// zero bytes from the public key, so about one pair in 256 is one its own parseKey refuses
// ("Malformed OpenSSH private key": mscdex/ssh2 issues 1390 and 1513; 11 of 3,000 here); a
// CI run failed on it once. Such a pair is drawn again.
import ssh2 from "ssh2";

type KeyPair = { private: string; public: string };

/** A pair whose private key is encrypted when `locked` gives a passphrase, cipher and rounds. */
export function ed25519KeyPair(locked?: { passphrase: string; cipher: string; rounds: number }): KeyPair {
  for (;;) {
    const pair = locked
      ? ssh2.utils.generateKeyPairSync("ed25519", locked)
      : ssh2.utils.generateKeyPairSync("ed25519");
    const priv = ssh2.utils.parseKey(pair.private, locked?.passphrase);
    const pub = ssh2.utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error)) return pair;
  }
}
