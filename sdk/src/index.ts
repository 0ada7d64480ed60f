// The platform SDK for the Credit Sandbox Gateway (the npm package @credit-sandbox/sdk).
//
//   const gw = createGatewayClient({ baseUrl, clientId, privateJwk });
//   const { accepted, results } = await gw.submitEvents(events);      // signed, receipt verified
//   for await (const page of gw.feed.pages({ after: cursor })) ...    // outbound messages
//   const message = await verifyWebhook({ clientId, body: rawBody, headers, jwksUrl }); // incoming webhooks (aud = clientId)

// First: the WebCrypto global must exist before jose runs (Node 18).
import "./webcrypto.js";

export {
  createGatewayClient,
  type BatchResult,
  type BatchSummary,
  type EntityStatus,
  type EventDataByKind,
  type EventRecord,
  type GatewayClient,
  type GatewayClientOptions,
  type MerchantRecord,
  type PlatformKey,
  type PlatformNotice,
  type NoticeReceipt,
  type NoticeDelivery,
  type RectificationCase,
  type RevokedMerchantLinks,
  type EvidenceSubmission,
  type Restoration,
  type RestorationApplication,
  type RecordResult,
  type Submission,
  type SubmitOptions,
  type VerifiedBatch,
} from "./client.js";
export { verifyWebhook, type VerifyWebhookOptions, type WebhookMessage, type HeaderBag } from "./webhooks.js";
export { GatewayError, ReceiptError, WebhookVerificationError, type Problem, type ReceiptErrorCode, type WebhookErrorCode } from "./errors.js";
export type { Feed, FeedMessage, FeedPage, FeedQuery } from "./feed.js";
export type { Receipt } from "./receipts.js";
export type { RetryPolicy } from "./retry.js";
export type { AuthorizationServerMetadata } from "./discovery.js";
export type { FetchLike } from "./runtime.js";
