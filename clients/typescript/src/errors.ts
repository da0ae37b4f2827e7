import type { components } from "./schema.js";

export type ErrorBody = components["schemas"]["ErrorBody"];

/** A 4xx or 5xx of the API, with its one error body (`code`, `message`, `details`, `request_id`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(body ? `${status} ${body.code}: ${body.message} (request ${body.request_id})` : `HTTP ${status}`);
  }

  /** Worth sending again unchanged: the server or something in front of it was busy or failed. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** The data of an openapi-fetch result, or its error as an `ApiError`. */
export function dataOf<T>(result: { data?: T; error?: { error: ErrorBody }; response: Response }): T {
  if (result.data === undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error?.error);
  }
  return result.data;
}
