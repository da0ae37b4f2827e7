// The session's refresh, against a fake server: rotation means a refresh token works once, so the session must
// refresh once for any number of requests that got a 401 together, and never for a wrong password.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Session, type TokenPair } from "../src/session.js";

const BASE = "https://api.example.org/dev"; // a deployed stage: its name comes before /api/v1

function pair(generation: number): TokenPair {
  return {
    access_token: `access-${generation}`,
    refresh_token: `refresh-${generation}`,
    token_type: "bearer",
    expires_in: 900,
    refresh_expires_in: 2_592_000,
  };
}

/** A server whose valid access token is `access-<current>`, and which rotates the pair on each refresh. */
function fakeServer(current = { generation: 2 }) {
  const seen: string[] = [];
  const send = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    seen.push(`${request.method} ${path} ${request.headers.get("authorization") ?? ""}`.trim());
    if (path === "/dev/api/v1/auth/refresh") {
      const { refresh_token } = (await request.json()) as { refresh_token: string };
      if (refresh_token !== `refresh-${current.generation - 1}`) {
        return new Response(null, { status: 401 }); // a reused or made-up token: the session ends
      }
      return Response.json(pair(current.generation));
    }
    if (path === "/dev/api/v1/auth/login") {
      return new Response(null, { status: 401 });
    }
    const authorized = request.headers.get("authorization") === `Bearer access-${current.generation}`;
    return authorized ? Response.json({ body: await request.text() }) : new Response(null, { status: 401 });
  };
  return { send, seen };
}

test("requests that get a 401 together share one refresh, then are sent again with the new token", async () => {
  // Given a session whose access token has expired (the server is at generation 2)
  const server = fakeServer();
  const session = new Session(BASE, undefined, server.send);
  session.store.save(pair(1));

  // When three requests, one with a body, go out at once
  const responses = await Promise.all([
    session.fetch(new Request(`${BASE}/api/v1/progress/due`)),
    session.fetch(new Request(`${BASE}/api/v1/progress/dashboard`)),
    session.fetch(new Request(`${BASE}/api/v1/progress/review`, { method: "POST", body: '{"rating": "good"}' })),
  ]);

  // Then all succeed, the refresh token was used once, and the body was sent again whole
  assert.deepEqual(
    responses.map((response) => response.status),
    [200, 200, 200],
  );
  assert.equal(server.seen.filter((line) => line.startsWith("POST /dev/api/v1/auth/refresh")).length, 1);
  assert.deepEqual(await responses[2]!.json(), { body: '{"rating": "good"}' });
  assert.equal(session.store.load()?.refresh_token, "refresh-2");
});

test("a refused refresh ends the session once and returns the 401", async () => {
  // Given a session whose refresh token the server no longer takes
  const server = fakeServer({ generation: 5 });
  let ended = 0;
  const session = new Session(BASE, undefined, server.send, () => (ended += 1));
  session.store.save(pair(1));

  // When a request gets a 401
  const response = await session.fetch(new Request(`${BASE}/api/v1/progress/due`));

  // Then it is answered with that 401, the tokens are gone and the app was told
  assert.equal(response.status, 401);
  assert.equal(session.store.load(), undefined);
  assert.equal(ended, 1);
});

test("a wrong password is not a reason to refresh", async () => {
  // Given a signed-in session, When a login with a wrong password gets its 401
  const server = fakeServer();
  const session = new Session(BASE, undefined, server.send);
  session.store.save(pair(2));
  const response = await session.fetch(new Request(`${BASE}/api/v1/auth/login`, { method: "POST", body: "{}" }));

  // Then that is the answer, and no refresh was tried
  assert.equal(response.status, 401);
  assert.deepEqual(server.seen, ["POST /dev/api/v1/auth/login Bearer access-2"]);
});
