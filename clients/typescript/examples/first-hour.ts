// A learner's first hour against the local cloud, with this client: sign up, confirm the e-mail (its code read from
// the emulator's outbox), log in, study one card, see the dashboard, and have a photo read by OCR. It also shows the
// hand-written parts at work: an expired access token renewed on a 401, and a review sent twice stored once.
//
//   npm run build && node dist/examples/first-hour.js [API URL] [emulator URL] [photo.jpg]
// Prints what happened as one JSON line (tests/e2e/test_typescript_client.py reads it).

import { readFile } from "node:fs/promises";

import {
  createKotobaClient,
  dataOf,
  submitReview,
  uploadToS3,
  waitUntilProcessed,
  type KotobaApi,
} from "../src/index.js";

const [apiUrl = "http://127.0.0.1:8000", emulatorUrl = "http://127.0.0.1:4566", photoPath] = process.argv.slice(2);
const CONFIRMATION_SUBJECT = "Confirm your Kotoba e-mail address";
const CODE = /enter this code: (\S+)/;

/** A message as the backend sends it: MIME, sent raw (its confirmation e-mails are plain 7-bit text). */
interface SentEmail {
  destinations: string[];
  raw_data: string;
}

function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  return head.match(new RegExp(`^${name}: (.*)$`, "im"))?.[1]?.trim();
}

/** The code of the newest confirmation e-mail to `to`, from SES in the emulator (what `localcloud.outbox` prints). */
async function confirmationCode(to: string): Promise<string> {
  const state = (await (await fetch(`${emulatorUrl}/moto-api/data.json`)).json()) as {
    ses?: { RawMessage?: SentEmail[] };
  };
  const mail = (state.ses?.RawMessage ?? [])
    .filter((m) => header(m.raw_data, "To") === to && header(m.raw_data, "Subject") === CONFIRMATION_SUBJECT)
    .at(-1);
  const code = mail?.raw_data.match(CODE)?.[1];
  if (code === undefined) {
    throw new Error(`no confirmation e-mail to ${to} in the outbox`);
  }
  return code;
}

async function readPhoto(api: KotobaApi, photo: Blob): Promise<string | null | undefined> {
  const ticket = dataOf(await api.POST("/api/v1/ai/ocr/upload", { body: { content_type: "image/jpeg" } }));
  await uploadToS3(ticket.upload, photo, "photo.jpg");
  const record = await waitUntilProcessed(async () =>
    dataOf(await api.GET("/api/v1/ai/ocr/{record_id}", { params: { path: { record_id: ticket.record.id } } })),
  );
  return record.processing_status === "completed" ? record.extracted_text : `failed: ${record.error_message}`;
}

async function main(): Promise<void> {
  const { api, session } = createKotobaClient({ baseUrl: apiUrl });
  const email = `learner-${Date.now()}@example.com`;
  const password = "kumo-to-ame-42";

  dataOf(await api.POST("/api/v1/auth/register", { body: { email, username: `learner${Date.now()}`, password } }));
  dataOf(await api.POST("/api/v1/auth/verify-email", { body: { token: await confirmationCode(email) } }));
  session.store.save(dataOf(await api.POST("/api/v1/auth/login", { body: { email, password } })));

  const due = dataOf(await api.GET("/api/v1/progress/due"));
  const card = due.new[0]?.sentence;
  if (!card) {
    throw new Error("no new sentence to study: is the sample content loaded?");
  }
  const answer = { item_type: "sentence", item_id: card.id, rating: "good", response_time_ms: 2400 } as const;
  const reviewed = await submitReview(api, answer);
  // The phone lost the answer's reply and sends it again, with the same id: stored once, same result.
  const resent = await submitReview(api, { ...answer, review_id: reviewed.review_id });

  // An access token that has expired (here: made unusable) is renewed with the refresh token, which rotates.
  const before = session.store.load();
  session.store.save(before && { ...before, access_token: `${before.access_token}x` });
  const dashboard = dataOf(await api.GET("/api/v1/progress/dashboard"));
  const rotated = session.store.load()?.refresh_token !== before?.refresh_token;

  const ocrText = photoPath ? await readPhoto(api, new Blob([await readFile(photoPath)])) : undefined;
  console.log(
    JSON.stringify({
      email,
      reviewed: { mastery_level: reviewed.mastery_level, same_when_resent: JSON.stringify(resent) === JSON.stringify(reviewed) },
      dashboard: { reviewed_today: dashboard.reviews_today, streak: dashboard.current_streak_days },
      refresh_token_rotated: rotated,
      ocr_text: ocrText,
    }),
  );
}

await main();
