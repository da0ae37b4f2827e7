// The access and refresh tokens of one signed-in learner, and a fetch that keeps them fresh.
//
// The API's refresh tokens rotate: every POST /auth/refresh answers a new pair, and presenting a refresh token that
// was already used ends the whole session on the server (stolen-token detection). So a client must never refresh
// twice with the same token. `Session.fetch` refreshes at most once at a time, shared by every request that got a
// 401 meanwhile, and a request whose token was already replaced by another request's refresh is simply sent again.

import type { components } from "./schema.js";

export type TokenPair = components["schemas"]["TokenPair"];

/** Where the tokens live: memory by default; a phone keeps them in its secure storage. */
export interface TokenStore {
  load(): TokenPair | undefined;
  save(tokens: TokenPair | undefined): void;
}

export class MemoryTokenStore implements TokenStore {
  private tokens: TokenPair | undefined;

  load(): TokenPair | undefined {
    return this.tokens;
  }

  save(tokens: TokenPair | undefined): void {
    this.tokens = tokens;
  }
}

export const API_PREFIX = "/api/v1";
const REFRESH_PATH = `${API_PREFIX}/auth/refresh`;
// A 401 from these means wrong credentials or a spent token, never an expired access token: no refresh. Matched at
// the end of the path, since a deployed stage's URL has the stage's name before it (`/dev/api/v1/...`).
const NOT_REFRESHED = ["/auth/login", "/auth/refresh", "/auth/register"].map((path) => API_PREFIX + path);

export class Session {
  private refreshing: Promise<boolean> | undefined;

  /** `onEnded` is called when the server ends the session (refresh refused): the app shows its login screen. */
  constructor(
    private readonly baseUrl: string,
    readonly store: TokenStore = new MemoryTokenStore(),
    private readonly send: (request: Request) => Promise<Response> = (request) => globalThis.fetch(request),
    private readonly onEnded: () => void = () => {},
  ) {}

  get signedIn(): boolean {
    return this.store.load() !== undefined;
  }

  /** The fetch the generated client runs every request through (`createClient({ fetch })`). */
  readonly fetch = async (request: Request): Promise<Response> => {
    const retry = request.clone(); // a body can be read once: keep a copy for the second attempt
    const sentWith = this.store.load()?.access_token;
    const response = await this.send(withToken(request, sentWith));
    const path = new URL(request.url).pathname;
    if (response.status !== 401 || sentWith === undefined || NOT_REFRESHED.some((end) => path.endsWith(end))) {
      return response;
    }
    const current = this.store.load()?.access_token;
    const renewed = current !== undefined && current !== sentWith ? true : await this.refresh();
    return renewed ? this.send(withToken(retry, this.store.load()?.access_token)) : response;
  };

  /** Trade the refresh token for a new pair, once at a time; false when the session has ended. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.rotate().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rotate(): Promise<boolean> {
    const refreshToken = this.store.load()?.refresh_token;
    if (refreshToken === undefined) {
      return false;
    }
    const response = await this.send(
      new Request(`${this.baseUrl.replace(/\/$/, "")}${REFRESH_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
      }),
    );
    if (response.ok) {
      this.store.save((await response.json()) as TokenPair);
      return true;
    }
    if (response.status === 401) {
      this.store.save(undefined);
      this.onEnded();
      return false;
    }
    throw new Error(`refreshing the session failed with ${response.status}: ${await response.text()}`);
  }
}

function withToken(request: Request, accessToken: string | undefined): Request {
  if (accessToken !== undefined) {
    request.headers.set("authorization", `Bearer ${accessToken}`);
  }
  return request;
}
