// Makes the RouterDriver for a router row: the file driver, or an SSH driver with the
// router's credentials decrypted here and handed straight to the transport (never logged).
import path from "node:path";
import type { SecretBox } from "../../core/crypto.js";
import { DriverError, type DriverFactory, type RouterDriver, type RouterInfo } from "../../core/ports.js";
import { CredentialsError } from "../ssh/errors.js";
import { SshPool } from "../ssh/pool.js";
import { targetFromRouter } from "../ssh/target.js";
import { Bird2Driver, bird2OptionsFromConfigPath } from "./bird2.js";
import { EOS_OWNED_SECTIONS, EosDriver } from "./eos.js";
import { FileDriver } from "./file.js";
import { FrrDriver, frrOptionsFromConfigPath } from "./frr.js";
import { IOSXR_OWNED_SECTIONS, IosXrDriver } from "./iosxr.js";
import { JUNOS_OWNED_PATHS, JunosDriver } from "./junos.js";

export interface FactoryOptions {
  secrets?: SecretBox;
  /** Base folder for relative file-router paths. */
  dataDir: string;
  /** One pool per process, shared by deploys and polling. */
  pool?: SshPool;
  /** A driver of one's own for a platform, used instead of the built-in one (tests, a site's own). */
  extra?: Partial<Record<RouterInfo["platform"], (router: RouterInfo, ctx: SshContext) => RouterDriver>>;
}

export interface SshContext {
  pool: SshPool;
  target: ReturnType<typeof targetFromRouter>;
}

/**
 * The router's SSH credentials, decrypted: its stored password or key, or an environment
 * variable. A credential that cannot be had is a CredentialsError naming the router and what
 * is missing, never a value.
 */
export function credentialsOf(
  router: RouterInfo,
  secrets?: SecretBox,
): { password?: string; privateKey?: string } {
  const open = (what: string, stored: string) => {
    if (!secrets)
      throw new CredentialsError(`${router.name} has an encrypted ${what} but PEERBOT_SECRET_KEY is not set`);
    try {
      return secrets.decrypt(stored);
    } catch {
      throw new CredentialsError(
        `${router.name}'s stored ${what} cannot be decrypted with PEERBOT_SECRET_KEY (was the key changed?)`,
      );
    }
  };
  const out: { password?: string; privateKey?: string } = {};
  if (router.passwordEnc) out.password = open("password", router.passwordEnc);
  else if (router.credentialEnv) {
    const v = process.env[router.credentialEnv];
    if (v === undefined)
      throw new CredentialsError(`${router.name}'s password variable ${router.credentialEnv} is not set`);
    out.password = v;
  }
  if (router.privateKeyEnc) out.privateKey = open("private key", router.privateKeyEnc);
  return out;
}

export function createDriverFactory(opts: FactoryOptions): DriverFactory {
  let pool = opts.pool;
  return (router: RouterInfo, extra = {}) => {
    if (router.platform === "file") {
      return new FileDriver({
        path: path.resolve(opts.dataDir, router.configPath || path.join("configs", `${router.name}.conf`)),
        message: extra.message,
      });
    }
    pool ??= new SshPool({});
    const target = targetFromRouter(router, credentialsOf(router, opts.secrets));
    const override = opts.extra?.[router.platform];
    if (override) return override(router, { pool, target });
    // The CLI drivers read back (and replace) what the built-in templates render; see
    // "what peerbot owns and reads back" in templates/router/README.md.
    switch (router.platform) {
      case "junos":
        return new JunosDriver({ pool, target, ownedPaths: JUNOS_OWNED_PATHS });
      case "iosxr":
        return new IosXrDriver({ pool, target, ownedSections: IOSXR_OWNED_SECTIONS });
      case "eos":
        return new EosDriver({ pool, target, ownedSections: EOS_OWNED_SECTIONS });
      case "bird2":
        return new Bird2Driver({ pool, target, ...bird2OptionsFromConfigPath(router.configPath) });
      case "frr":
        return new FrrDriver({ pool, target, ...frrOptionsFromConfigPath(router.configPath) });
      default:
        throw new DriverError(`peerbot has no driver for ${(router as RouterInfo).platform} routers`);
    }
  };
}
