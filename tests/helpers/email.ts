// A peering request to Hurricane Electric at LINX on the demo network, drafted as alice to an
// address of its own, so that a test counts only its own messages on the SMTP server.
import { composeEmail, draftEmail, type EmailRow } from "../../core/email/index.js";
import { resolveIxp } from "../../core/ixp.js";
import type { Services } from "../../core/services.js";

let seq = 0;

export async function draftToHe(services: Services): Promise<{ e: EmailRow; to: string }> {
  const to = `peering${++seq}-${process.pid}@he.example`;
  const ixp = await resolveIxp(services.db, "linx", (s) => s, "");
  const c = await composeEmail(services, {
    kind: "peering_request",
    peerAsn: 6939n,
    ixpId: ixp.id,
    requester: { id: "console:alice", name: "alice" },
    to: [to],
  });
  const e = await draftEmail(services, c, { platform: "console", userId: "alice", userName: "alice" });
  return { e, to };
}
