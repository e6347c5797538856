// The TCP-MD5 password of a direct session: generated here, or named by an environment
// variable. A generated one is stored encrypted (SecretBox) and handed back once, for the
// requester's eyes only; neither is ever put in a message, a log line or an error.
import { randomBytes } from "node:crypto";
import { UserError } from "./errors.js";
import { checkPassword, RenderError } from "./render/escape.js";

/**
 * Letters and digits without the look-alikes (0/O, 1/l/I): every platform's configuration
 * carries them verbatim, quoted or not, and a person can read one out over the phone.
 */
export const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
/** 24 characters of 57: about 140 bits. */
export const PASSWORD_LENGTH = 24;

/** A strong password from the alphabet, each character uniformly drawn (rejection sampling). */
export function generatePassword(length = PASSWORD_LENGTH): string {
  const n = PASSWORD_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= limit) continue;
      out += PASSWORD_ALPHABET[b % n];
      if (out.length === length) break;
    }
  }
  return out;
}

/** An environment variable's name as `password env:<VAR>` takes it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/**
 * Checks that `name` is set where peerbot runs and holds a password every router can carry.
 * The sentence names the variable, never its value.
 */
export function checkPasswordEnv(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  if (!ENV_NAME.test(name))
    throw new UserError(
      `"${name.slice(0, 40)}" is not an environment variable name: use letters, digits and "_", e.g. env:PEERBOT_BGP_AS174.`,
    );
  const value = env[name];
  if (value === undefined || value === "")
    throw new UserError(
      `The environment variable ${name} is not set where peerbot runs.`,
      "Set it to the session's password in peerbot's environment (every process that deploys), then try again.",
    );
  try {
    checkPassword(value, "the session");
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    throw new UserError(
      `The password in ${name} cannot be written into a router configuration: use 1 to 80 letters, digits or any of %&()*+,./:<=>@[]^_~-.`,
    );
  }
}
