// BGP session passwords: Peering Manager keeps them in clear text; peerbot keeps them
// encrypted (SecretBox), or not at all when it has no secret key. A password is compared in
// clear (decrypting what peerbot holds), so that a second import leaves the ciphertext alone.
import { checkPassword, RenderError } from "../../render/escape.js";
import { listOf } from "./links.js";
import type { ImportRun } from "./run.js";

export interface PasswordPlan {
  /** What the state compares: the password in clear, "(set)" when peerbot cannot read its own, or null. */
  compare: string | null;
  /** The ciphertext to store, null to clear it, undefined to leave what is stored. */
  enc: string | null | undefined;
}

/** What the state of a stored session compares for its password: in clear, "(set)" without a key, or null. */
export function currentCompare(run: ImportRun, stored: string | null): string | null {
  if (!stored) return null;
  if (!run.secrets) return "(set)";
  try {
    return run.secrets.decrypt(stored);
  } catch {
    return "(unreadable)";
  }
}

export function passwordPlan(
  run: ImportRun,
  pm: string | null,
  stored: string | null,
  where: string,
): PasswordPlan {
  const box = run.secrets;
  const current = currentCompare(run, stored);
  if (pm === null) return { compare: null, enc: null };
  try {
    checkPassword(pm, where);
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    run.group(
      "password-unsafe",
      where,
      (items) =>
        `The BGP passwords of ${listOf(items)} have characters peerbot cannot write into a router configuration (it allows letters, digits and %&()*+,./:<=>@[]^_~-), so they were not brought in; set new ones before deploying.`,
    );
    return { compare: current, enc: undefined };
  }
  if (!box) {
    if (!stored)
      run.group(
        "password-no-key",
        where,
        (items) =>
          `peerbot has no PEERBOT_SECRET_KEY, so the BGP ${items.length === 1 ? "password" : "passwords"} of ${listOf(items)} ${items.length === 1 ? "was" : "were"} not brought in (the sessions were): set the key and import again before deploying, or the sessions lose their password.`,
      );
    return { compare: current, enc: undefined };
  }
  return { compare: pm, enc: current === pm ? undefined : box.encrypt(pm) };
}
