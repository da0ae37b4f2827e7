// The Kotoba API client: the generated types (schema.d.ts, from docs/openapi.json) behind openapi-fetch, and a few
// hand-written helpers for what a generator cannot know (token rotation, idempotent reviews, S3 uploads, polling).

import createClient, { type Client } from "openapi-fetch";

import type { paths } from "./schema.js";
import { Session, type TokenStore } from "./session.js";

export type { components, operations, paths } from "./schema.js";
export { ApiError, dataOf, type ErrorBody } from "./errors.js";
export { submitReview, type Answer, type RetryOptions, type ReviewRequest, type ReviewResult } from "./review.js";
export { MemoryTokenStore, Session, type TokenPair, type TokenStore } from "./session.js";
export { uploadToS3, waitUntilProcessed, type PollOptions, type PresignedUpload } from "./upload.js";

export type KotobaApi = Client<paths>;

export interface KotobaClientOptions {
  /** The API's origin (and a deployed stage's path): `http://127.0.0.1:8000`, `https://….amazonaws.com/dev`. */
  baseUrl: string;
  tokens?: TokenStore;
  /** Called when the server ends the session (a refresh refused): show the login screen. */
  onSessionEnded?: () => void;
}

/** `api` calls the API with types checked against the document; `session` holds and refreshes the tokens. */
export function createKotobaClient({ baseUrl, tokens, onSessionEnded }: KotobaClientOptions): {
  api: KotobaApi;
  session: Session;
} {
  const session = new Session(baseUrl, tokens, undefined, onSessionEnded);
  return { api: createClient<paths>({ baseUrl, fetch: session.fetch }), session };
}
