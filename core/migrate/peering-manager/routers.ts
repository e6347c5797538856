// Routers: the platform mapped from Peering Manager's (NAPALM driver, slug, name), the local AS,
// polling; credentials are never copied, the summary names each router whose credentials an
// admin must set.
import { comments, name, objectStatus, routerName, routerPlatform } from "./mapping.js";
import { listOf } from "./links.js";
import { localAsFor } from "./networks.js";
import { byId, writes, type ImportRun } from "./run.js";
import type { PmList, PmPlatform, PmRouter } from "./source.js";

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.:-]{0,252})$/;

/**
 * NAPALM's port is not peerbot's: NAPALM reaches Junos over NETCONF (830) and EOS over eAPI
 * (443), peerbot every platform over SSH. A router comes in on 22 unless peerbot already has it
 * on another port (an admin's `router set <name> port <n>` is kept).
 */
const SSH_PORT = 22;

export async function importRouters(
  run: ImportRun,
  list: PmList<PmRouter>,
  platforms: PmList<PmPlatform>,
): Promise<void> {
  const platformById = new Map(platforms.records.map((p) => [p.id, p]));
  const rows = await run.tx.router.findMany({ orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const r of byId(list)) {
    const label = name(r.name, 60);
    const pname = routerName(r.name);
    const platform = routerPlatform(
      r.platform
        ? (platformById.get(r.platform.id) ?? {
            id: r.platform.id,
            name: r.platform.name,
            slug: r.platform.slug ?? "",
            napalm_driver: "",
          })
        : null,
    );
    const status = objectStatus(r.status);
    const localAsId = await localAsFor(run, r.local_autonomous_system);
    let why: string | null = null;
    if (!pname) why = "its name cannot be a peerbot router name (letters, digits, dots, dashes, underscores)";
    else if ("what" in platform)
      why = `${platform.what} has no peerbot driver (peerbot drives Junos, IOS-XR, EOS, BIRD 2 and FRR)`;
    else if (!HOSTNAME.test(r.hostname.trim()))
      why = `its hostname ${JSON.stringify(name(r.hostname, 60))} is not a host name or address`;
    else if (!status) why = `its status ${JSON.stringify(name(r.status, 30))} is not one peerbot knows`;
    else if (localAsId === null)
      why = r.local_autonomous_system
        ? `its local AS${r.local_autonomous_system.asn} was not brought in`
        : "it has no local AS and peerbot has no single affiliated AS to give it";
    if (why || !pname || "what" in platform || !status || localAsId === null) {
      run.skip(
        "router",
        `Router ${label} was not brought in: ${why}; its connections and direct sessions come in without a router (add it with \`router add\` under the same name and import again to attach them).`,
      );
      continue;
    }
    if (pname !== r.name)
      run.summary.note(
        `Router ${label} is named ${pname} in peerbot (a router name has no spaces or quotes).`,
      );
    if (r.configuration_template)
      run.group(
        "router-template",
        `${pname} (${name(r.configuration_template.name, 40)})`,
        (items) =>
          `Peering Manager's Jinja2 configuration templates are not brought in (${listOf(items)}): peerbot renders its own template for each platform (templates/router/; \`router set <name> template <name>\` picks another).`,
      );
    if (r.communities.length)
      run.group(
        "router-communities",
        pname,
        (items) =>
          `peerbot attaches no communities to routers: the router communities of ${listOf(items)} were left out (attach them to the IXP, group or sessions instead).`,
      );
    const { row, adopted, clash } = run.pick("router", r.id, rowById, () => byName.get(pname));
    if (clash) {
      run.skip(
        "router",
        `Router ${label} has the peerbot name of another router of Peering Manager (${pname}), so it was not brought in.`,
      );
      continue;
    }
    const fields = {
      name: row && row.name !== pname && byName.has(pname) ? row.name : pname,
      hostname: r.hostname.trim(),
      port: row?.port ?? SSH_PORT,
      platform: platform.platform,
      localAsId,
      status,
      pollSessionState: r.poll_bgp_sessions_state,
      username: name(r.napalm_username, 100),
      comments: comments(r.comments),
    };
    const view = (f: typeof fields) => {
      const { localAsId: las, ...rest } = f;
      return { ...rest, localAs: run.asns.get(las) ?? las };
    };
    const id = await run.apply({
      family: "router",
      type: "router",
      pmId: r.id,
      repr: fields.name,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: view({
              name: row.name,
              hostname: row.hostname,
              port: row.port,
              platform: row.platform,
              localAsId: row.localAsId,
              status: row.status,
              pollSessionState: row.pollSessionState,
              username: row.username,
              comments: row.comments,
            }),
          }
        : null,
      desired: view(fields),
      ...writes(run.tx.router, fields),
    });
    run.routers.set(id, fields.name);
    const hasCredential = row && (row.passwordEnc || row.privateKeyEnc || row.credentialEnv);
    if (!hasCredential) run.summary.credentials.push(fields.name);
  }
  for (const r of rows) if (!run.routers.has(r.id)) run.routers.set(r.id, r.name);
}
