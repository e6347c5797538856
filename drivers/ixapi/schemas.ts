// zod schemas for the IX-API v2 objects the client reads, from the v2.1.0 OpenAPI schema
// (components/schemas: ExchangeLanNetworkServiceConfig, VlanConfig = VLanConfigPort |
// VLanConfigDot1Q | VLanConfigQinQ, ExchangeLanNetworkService, RouteServerNetworkFeature,
// IpAddress, MacAddress, Account, AuthToken, HealthResponse, ImplementationResponse,
// ProblemResponse). Strict on the fields peerbot uses, lenient on the rest: fields the schema
// does not name are dropped (z.object strips them), optional ones may be absent or null, and
// ids the spec gives as strings are also accepted as numbers (and turned into strings).
import { z } from "zod";
import type {
  IxApiIp,
  IxApiMac,
  IxApiNetworkFeature,
  IxApiNetworkService,
  IxApiNetworkServiceConfig,
} from "../../core/ixapi/port.js";

const MAX_ASN = 4_294_967_295;

/** An id: a string in v2; a number is read as its decimal string. */
const id = z.union([z.string().min(1).max(200), z.int().nonnegative()]).transform((v) => String(v));
const ids = z.array(id);
const optText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const vlanId = z.int().min(1).max(4094);
const ethertype = z.string().regex(/^0x[0-9a-fA-F]{4}$/);

/** `aa:bb:cc:dd:ee:ff` for any of the usual spellings of a MAC address, or null. */
export function normalizeMac(raw: string): string | null {
  const s = raw.trim().toLowerCase();
  let hex: string;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(s)) hex = s.replace(/[:-]/g, "");
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(s)) hex = s.replace(/\./g, "");
  else if (/^[0-9a-f]{12}$/.test(s)) hex = s;
  else return null;
  return hex.match(/../g)!.join(":");
}

const macAddress = z.string().transform((v, ctx) => {
  const mac = normalizeMac(v);
  if (!mac) {
    ctx.addIssue({ code: "custom", message: "not a MAC address" });
    return z.NEVER;
  }
  return mac;
});

// VlanConfig is a oneOf with `vlan_type` as discriminator (port, dot1q, qinq).
const vlanPort = z.object({ vlan_type: z.literal("port") });
const vlanDot1q = z.object({
  vlan_type: z.literal("dot1q"),
  vlan: vlanId,
  vlan_ethertype: ethertype.optional(),
});
const vlanQinq = z.object({
  vlan_type: z.literal("qinq"),
  outer_vlan: vlanId,
  inner_vlan: vlanId,
  outer_vlan_ethertype: ethertype.optional(),
});
export const vlanConfigSchema = z.discriminatedUnion("vlan_type", [vlanPort, vlanDot1q, vlanQinq]);

export const networkServiceConfigSchema = z.object({
  id,
  type: z.string().min(1),
  state: z.string().min(1),
  network_service: id,
  managing_account: id,
  consuming_account: id,
  macs: ids.nullish().transform((v) => v ?? []),
  ips: ids.optional(),
  vlan_config: vlanConfigSchema,
  capacity: z.int().positive().nullish(),
  asns: z.array(z.int().min(0).max(MAX_ASN)).optional(),
  connection: id.optional(),
  network_feature_configs: ids.optional(),
}) satisfies z.ZodType<IxApiNetworkServiceConfig, unknown>;

export const networkServiceSchema = z.object({
  id,
  type: z.string().min(1),
  state: optText,
  name: optText,
  peeringdb_ixid: z.int().positive().nullish(),
  subnet_v4: z.string().nullish(),
  subnet_v6: z.string().nullish(),
  network_features: ids.optional(),
}) satisfies z.ZodType<IxApiNetworkService, unknown>;

export const networkFeatureSchema = z.object({
  id,
  type: z.string().min(1),
  name: optText,
  network_service: id,
  asn: z.int().min(0).max(MAX_ASN).optional(),
  fqdn: optText,
  ip_v4: z.string().nullish(),
  ip_v6: z.string().nullish(),
  address_families: z.array(z.string()).optional(),
  session_mode: optText,
}) satisfies z.ZodType<IxApiNetworkFeature, unknown>;

export const ipSchema = z.object({
  id,
  version: z.union([z.literal(4), z.literal(6)]),
  address: z.string().min(2).max(45),
  prefix_length: z.int().min(0).max(128),
  managing_account: id.optional(),
  consuming_account: id.optional(),
  fqdn: z.string().nullish(),
  network_service_config: id.nullish(),
  network_feature: id.nullish(),
}) satisfies z.ZodType<IxApiIp, unknown>;

export const macSchema = z.object({
  id,
  address: macAddress,
  managing_account: id,
  consuming_account: id,
  valid_not_before: z.string().nullish(),
  valid_not_after: z.string().nullish(),
}) satisfies z.ZodType<IxApiMac, unknown>;

export const accountSchema = z.object({
  id,
  name: optText,
  state: optText,
  managing_account: id.nullish(),
});
export type IxApiAccount = z.infer<typeof accountSchema>;

export const authTokenSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
});

/** v2 HealthResponse (draft-inadarei-api-health-check): `status` is pass, warn or fail. */
export const healthSchema = z.object({
  status: z.string(),
  version: z.union([z.string(), z.number()]).optional(),
  releaseId: z.string().optional(),
  description: z.string().optional(),
});

/** v2 ImplementationResponse: `schema_version` is the implemented IX-API schema, e.g. 2.1.0. */
export const implementationSchema = z.object({
  schema_version: z.string(),
  service_version: z.string().optional(),
});

/**
 * RFC 7807 problem (v2 ProblemResponse: type, title, status, detail, instance). Validation
 * errors may carry `properties: [{ name, reason }]`, an extension the v2 exchanges send though
 * the 2.1.0 schema leaves it unnamed: read when present, ignored when not.
 */
export const problemSchema = z.object({
  type: z.string().optional(),
  title: z.unknown().optional(),
  status: z.unknown().optional(),
  detail: z.unknown().optional(),
  instance: z.unknown().optional(),
  properties: z
    .array(z.object({ name: z.unknown().optional(), reason: z.unknown().optional() }))
    .optional()
    .catch(undefined),
});
export type IxApiProblem = z.infer<typeof problemSchema>;

/** One line for an issue: "vlan_config.vlan: Too big: expected number to be <=4094". */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const where = issue.path.map(String).join(".");
  return `${where ? `${where}: ` : ""}${issue.message}`.slice(0, 120);
}
