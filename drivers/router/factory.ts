// Makes the RouterDriver for a router row: the file driver, or an SSH driver with the
// router's credentials decrypted here and handed straight to the transport (never logged).
import path from "node:path";
import type { SecretBox } from "../../core/crypto.js";
import { DriverError, type DriverFactory, type RouterDriver, type RouterInfo } from "../../core/ports.js";
import { SshPool } from "../ssh/pool.js";
import { targetFromRouter } from "../ssh/target.js";
import { EosDriver } from "./eos.js";
import { FileDriver } from "./file.js";
import { IosXrDriver } from "./iosxr.js";
import { JunosDriver } from "./junos.js";

export interface FactoryOptions {
  secrets?: SecretBox;
  /** Base folder for relative file-router paths. */
  dataDir: string;
  /** One pool per process, shared by deploys and polling. */
  pool?: SshPool;
  /** BIRD 2 and FRR drivers, which live with their own transports. */
  extra?: Partial<Record<RouterInfo["platform"], (router: RouterInfo, ctx: SshContext) => RouterDriver>>;
}

export interface SshContext {
  pool: SshPool;
  target: ReturnType<typeof targetFromRouter>;
}

/** The router's SSH credentials, decrypted: its stored password or key, or an environment variable. */
export function credentialsOf(
  router: RouterInfo,
  secrets?: SecretBox,
): { password?: string; privateKey?: string } {
  const need = (what: string) => {
    if (!secrets)
      throw new DriverError(`${router.name} has an encrypted ${what} but PEERBOT_SECRET_KEY is not set`);
    return secrets;
  };
  const out: { password?: string; privateKey?: string } = {};
  if (router.passwordEnc) out.password = need("password").decrypt(router.passwordEnc);
  else if (router.credentialEnv) {
    const v = process.env[router.credentialEnv];
    if (v === undefined)
      throw new DriverError(`${router.name}'s password variable ${router.credentialEnv} is not set`);
    out.password = v;
  }
  if (router.privateKeyEnc) out.privateKey = need("private key").decrypt(router.privateKeyEnc);
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
    switch (router.platform) {
      case "junos":
        return new JunosDriver({ pool, target });
      case "iosxr":
        return new IosXrDriver({ pool, target });
      case "eos":
        return new EosDriver({ pool, target });
      default: {
        const make = opts.extra?.[router.platform];
        if (!make) throw new DriverError(`peerbot has no driver for ${router.platform} routers yet`);
        return make(router, { pool, target });
      }
    }
  };
}
