import { describe, expect, it } from "vitest";

import { ApiClient, ApiError, buildUrl, type KeyValueStore } from "./api-client";

class MemoryStore implements KeyValueStore {
  values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(answer: (call: Call, index: number) => Response) {
  const calls: Call[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const call = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: { ...(init?.headers as Record<string, string>) },
      body: (init?.body as string | undefined) ?? null,
    };
    calls.push(call);
    return answer(call, calls.length - 1);
  };
  return { calls, fetchImpl: fetchImpl };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const session = {
  user: { id: "u1", name: "Ada", email: "ada@example.com" },
  access_token: "access-1",
  refresh_token: "refresh-1",
};

describe("buildUrl", () => {
  it.each([
    [{}, "/api/v1/tracks"],
    [{ q: "night drive", page: 2 }, "/api/v1/tracks?q=night+drive&page=2"],
    [{ q: "", archived: false, cursor: null, limit: undefined }, "/api/v1/tracks?archived=false"],
  ])("encodes %j", (query, expected) => {
    expect(buildUrl("/api/v1", "/tracks", query)).toBe(expected);
  });
});

describe("ApiClient", () => {
  it("keeps the access token in memory and only the refresh token in storage", () => {
    const storage = new MemoryStore();
    const client = new ApiClient({ storage, fetch: scriptedFetch(() => json(200, {})).fetchImpl });
    client.startSession(session);
    expect(client.accessToken).toBe("access-1");
    expect([...storage.values.values()]).toEqual(["refresh-1"]);
  });

  it("sends the bearer token and JSON body", async () => {
    const { calls, fetchImpl } = scriptedFetch(() => json(201, { thread: { id: "t1" } }));
    const client = new ApiClient({ storage: new MemoryStore(), fetch: fetchImpl });
    client.startSession(session);
    const body = await client.post<{ thread: { id: string } }>("/mix-chats", { title: "Set" }, { "Idempotency-Key": "k1" });
    expect(body.thread.id).toBe("t1");
    expect(calls[0]).toMatchObject({
      url: "/api/v1/mix-chats",
      method: "POST",
      body: '{"title":"Set"}',
      headers: { Authorization: "Bearer access-1", "Content-Type": "application/json", "Idempotency-Key": "k1" },
    });
  });

  it("turns the error envelope into an ApiError with field errors", async () => {
    const envelope = {
      error: {
        code: "VALIDATION_ERROR",
        message: "Check the fields.",
        details: { fields: [{ field: "email", message: "Not an email." }] },
      },
    };
    const client = new ApiClient({ storage: new MemoryStore(), fetch: scriptedFetch(() => json(422, envelope)).fetchImpl });
    const error = await client.post("/auth/register", {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: "VALIDATION_ERROR", message: "Check the fields." });
    expect((error as ApiError).fieldErrors()).toEqual({ email: "Not an email." });
  });

  it.each([
    [502, "<html>Bad gateway</html>", "HTTP_502"],
    [500, "", "HTTP_500"],
  ])("gives a readable error when a %i has no envelope", async (status, text, code) => {
    const client = new ApiClient({
      storage: new MemoryStore(),
      fetch: scriptedFetch(() => new Response(text, { status })).fetchImpl,
    });
    await expect(client.get("/tracks")).rejects.toMatchObject({ status, code });
  });

  it("refreshes once on 401 and retries with the new token", async () => {
    const { calls, fetchImpl } = scriptedFetch((call) => {
      if (call.url.endsWith("/auth/refresh")) return json(200, { access_token: "access-2", refresh_token: "refresh-2" });
      return call.headers.Authorization === "Bearer access-2"
        ? json(200, { items: [] })
        : json(401, { error: { code: "TOKEN_EXPIRED", message: "Expired." } });
    });
    const storage = new MemoryStore();
    const client = new ApiClient({ storage, fetch: fetchImpl });
    client.startSession(session);
    await expect(client.get("/tracks")).resolves.toEqual({ items: [] });
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/tracks", "/api/v1/auth/refresh", "/api/v1/tracks"]);
    expect(JSON.parse(calls[1]!.body!)).toEqual({ refresh_token: "refresh-1" });
    expect(storage.getItem("intellimix.refresh_token")).toBe("refresh-2");
  });

  it("shares one refresh between requests that fail together", async () => {
    const { calls, fetchImpl } = scriptedFetch((call) => {
      if (call.url.endsWith("/auth/refresh")) return json(200, { access_token: "access-2", refresh_token: "refresh-2" });
      return call.headers.Authorization === "Bearer access-2" ? json(200, {}) : json(401, {});
    });
    const client = new ApiClient({ storage: new MemoryStore(), fetch: fetchImpl });
    client.startSession(session);
    await Promise.all([client.get("/tracks"), client.get("/history"), client.get("/mix-chats")]);
    expect(calls.filter((c) => c.url.endsWith("/auth/refresh"))).toHaveLength(1);
  });

  it("retries only once, and ends the session when the refresh token is rejected", async () => {
    const { calls, fetchImpl } = scriptedFetch(() => json(401, { error: { code: "TOKEN_REVOKED", message: "Signed out." } }));
    const client = new ApiClient({ storage: new MemoryStore(), fetch: fetchImpl });
    const seen: (string | null)[] = [];
    client.onSessionChange((user) => seen.push(user?.id ?? null));
    client.startSession(session);
    await expect(client.get("/tracks")).rejects.toMatchObject({ status: 401, code: "TOKEN_REVOKED" });
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/tracks", "/api/v1/auth/refresh"]);
    expect(client.accessToken).toBeNull();
    expect(client.hasRefreshToken()).toBe(false);
    expect(seen).toEqual(["u1", null]);
  });

  it.each(["/auth/login", "/auth/register"])("never refreshes for a 401 from %s", async (path) => {
    const { calls, fetchImpl } = scriptedFetch(() =>
      json(401, { error: { code: "INVALID_CREDENTIALS", message: "Wrong email or password." } }),
    );
    const client = new ApiClient({ storage: new MemoryStore(), fetch: fetchImpl });
    client.startSession(session);
    await expect(client.post(path, {})).rejects.toMatchObject({ code: "INVALID_CREDENTIALS" });
    expect(calls).toHaveLength(1);
  });

  it("answers undefined for 204", async () => {
    const client = new ApiClient({
      storage: new MemoryStore(),
      fetch: scriptedFetch(() => new Response(null, { status: 204 })).fetchImpl,
    });
    await expect(client.delete("/tracks/t1")).resolves.toBeUndefined();
  });
});
