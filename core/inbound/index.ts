// Inbound peering requests (POST /peering-requests), a workflow of its own:
//   model.ts    the states, the button ids, the token, the settings read
//   submit.ts   the two POSTs: checks, rate limits, the token e-mail, verification
//   message.ts  the chat message of a request, posted to PEERBOT_REQUESTS_CHANNEL and redrawn
//   decide.ts   Peer (the `peer` flow at each IXP) and Decline (the templated reply)
//   list.ts     `requests [open|all]`
export * from "./model.js";
export { handleRequestPost, parseBody, type ApiAnswer } from "./submit.js";
export { postRequest, refreshRequestMessage, requestReply } from "./message.js";
export { declineRequest, MAX_REASON, peerRequest, requireRequest, type PeeredRequest } from "./decide.js";
export { listRequests } from "./list.js";
