// Submitting an answer from a phone whose connection comes and goes: the same review may be sent several times, and
// the server stores it once because it is keyed by the phone's `review_id`. So the id is made once per answer and
// every retry sends the same body.

import type { Client } from "openapi-fetch";

import { ApiError, dataOf } from "./errors.js";
import type { components, paths } from "./schema.js";

export type ReviewRequest = components["schemas"]["ReviewRequest"];
export type ReviewResult = components["schemas"]["ReviewResult"];
type Rating = NonNullable<ReviewRequest["rating"]>;
/** An answer, graded by FSRS-style `rating` or SM-2 `quality`. Its `review_id` is made by `submitReview` unless the
 * app kept one from an earlier attempt of the same answer (e.g. saved while offline). */
export type Answer = {
  item_type: ReviewRequest["item_type"];
  item_id: string;
  response_time_ms?: number;
  session_id?: string;
  review_id?: string;
} & ({ rating: Rating } | { quality: number });

export interface RetryOptions {
  attempts?: number; // in all, the first included
  firstDelayMs?: number; // doubled after each failed attempt
}

export async function submitReview(
  api: Client<paths>,
  answer: Answer,
  { attempts = 4, firstDelayMs = 500 }: RetryOptions = {},
): Promise<ReviewResult> {
  const body = { ...answer, review_id: answer.review_id ?? crypto.randomUUID() };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return dataOf(await api.POST("/api/v1/progress/review", { body }));
    } catch (error) {
      // A TypeError is fetch's "the request did not get an answer" (offline, reset, DNS).
      const retryable = error instanceof TypeError || (error instanceof ApiError && error.retryable);
      if (!retryable || attempt >= attempts) {
        throw error;
      }
      await sleep(firstDelayMs * 2 ** (attempt - 1));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
