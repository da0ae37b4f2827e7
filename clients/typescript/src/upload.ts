// Photos and recordings go straight to S3 with the presigned POST the API hands out (POST /ai/ocr/upload or
// /ai/speech/upload), then the phone polls the record until its worker has read it.

import { sleep } from "./review.js";
import type { components } from "./schema.js";

export type PresignedUpload = components["schemas"]["PresignedUpload"];
export type ProcessingStatus = components["schemas"]["ProcessingStatus"];

/** Multipart POST of `file` to S3 with the policy fields of `upload`; S3 requires the file to be the last field.
 * Sent with plain `fetch`, never the session's: the presigned policy is the authorization, and the API's bearer token
 * has no business reaching S3. */
export async function uploadToS3(
  upload: PresignedUpload,
  file: Blob,
  filename = "upload",
  send: typeof fetch = globalThis.fetch,
): Promise<void> {
  if (file.size > upload.max_bytes) {
    throw new Error(`the file is ${file.size} bytes; this upload takes at most ${upload.max_bytes}`);
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) {
    form.append(name, String(value));
  }
  form.append("file", file, filename);
  const response = await send(upload.url, { method: "POST", body: form });
  if (!response.ok) {
    throw new Error(`S3 refused the upload with ${response.status}: ${await response.text()}`);
  }
}

export interface PollOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

const FINISHED: ReadonlySet<ProcessingStatus> = new Set(["completed", "failed"]);

/** Read the record until its status is completed or failed, and return that reading. */
export async function waitUntilProcessed<T extends { processing_status: ProcessingStatus }>(
  read: () => Promise<T>,
  { intervalMs = 1000, timeoutMs = 120_000 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await read();
    if (FINISHED.has(record.processing_status)) {
      return record;
    }
    if (Date.now() + intervalMs > deadline) {
      throw new Error(`still ${record.processing_status} after ${timeoutMs} ms`);
    }
    await sleep(intervalMs);
  }
}
