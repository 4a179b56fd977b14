/**
 * The one typed HTTP client of the studio.
 *
 * Tokens: the access token lives only in memory; the refresh token in local storage, so a
 * reload keeps the session without exposing the short-lived token to storage. A 401 triggers
 * one refresh (shared by every request that hits it at the same time) and one retry.
 */
import type { ApiErrorBody, Session, User } from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field-level messages from a 422 validation error, keyed by field path. */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    const details = this.details as { fields?: { field: string; message: string }[] } | undefined;
    for (const entry of details?.fields ?? []) fields[entry.field] = entry.message;
    return fields;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  query?: Query;
  json?: unknown;
  body?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  storage?: KeyValueStore;
}

type SessionListener = (user: User | null) => void;

const REFRESH_TOKEN_KEY = "intellimix.refresh_token";
const NO_REFRESH_PATHS = ["/auth/login", "/auth/register", "/auth/refresh", "/auth/logout"];

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const suffix = search.toString();
  return `${baseUrl}${path}${suffix ? `?${suffix}` : ""}`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null;
  try {
    body = (await response.json()) as Partial<ApiErrorBody>;
  } catch {
    body = null; // a proxy's HTML error page, or no body at all
  }
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `The server answered ${response.status} ${response.statusText}.`.trim(),
    error?.details,
  );
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly storage: KeyValueStore;
  private access: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private listeners = new Set<SessionListener>();

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? "/api/v1";
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.storage = options.storage ?? globalThis.localStorage;
  }

  // --- session ---------------------------------------------------------------------------

  get accessToken(): string | null {
    return this.access;
  }

  hasRefreshToken(): boolean {
    return this.storage.getItem(REFRESH_TOKEN_KEY) !== null;
  }

  /** Called when a session ends on its own (refresh rejected): the app shows the sign-in. */
  onSessionChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  startSession(session: Session): User {
    this.access = session.access_token;
    this.storage.setItem(REFRESH_TOKEN_KEY, session.refresh_token);
    this.listeners.forEach((listener) => listener(session.user));
    return session.user;
  }

  endSession(): void {
    this.access = null;
    this.storage.removeItem(REFRESH_TOKEN_KEY);
    this.listeners.forEach((listener) => listener(null));
  }

  /** Trade the stored refresh token for new tokens; one exchange however many callers ask. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.exchangeRefreshToken().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async exchangeRefreshToken(): Promise<boolean> {
    const refreshToken = this.storage.getItem(REFRESH_TOKEN_KEY);
    if (!refreshToken) return false;
    const response = await this.fetchImpl(buildUrl(this.baseUrl, "/auth/refresh"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    if (!response.ok) {
      if (response.status === 401 || response.status === 422) this.endSession();
      return false;
    }
    const tokens = (await response.json()) as { access_token: string; refresh_token: string };
    this.access = tokens.access_token;
    this.storage.setItem(REFRESH_TOKEN_KEY, tokens.refresh_token);
    return true;
  }

  // --- requests --------------------------------------------------------------------------

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>(path, { query, signal });
  }

  post<T>(path: string, json?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>(path, { method: "POST", json, headers });
  }

  patch<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>(path, { method: "PATCH", json });
  }

  delete(path: string, json?: unknown): Promise<void> {
    return this.request<void>(path, { method: "DELETE", json });
  }

  /** The raw response of an authorised request, after the refresh-and-retry on 401. */
  async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const attempt = () => this.fetchImpl(buildUrl(this.baseUrl, path, options.query), this.init(options));
    let response = await attempt();
    if (response.status === 401 && !NO_REFRESH_PATHS.includes(path) && (await this.refresh())) {
      response = await attempt();
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  /** A plain fetch with the current token, for transports that read the response themselves. */
  fetchWithAuth(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const headers = { ...(init.headers as Record<string, string> | undefined), ...this.authHeaders() };
    return this.fetchImpl(input, { ...init, headers });
  }

  authHeaders(): Record<string, string> {
    return this.access ? { Authorization: `Bearer ${this.access}` } : {};
  }

  private init(options: RequestOptions): RequestInit {
    const headers: Record<string, string> = {
      Accept: "application/json",
      ...this.authHeaders(),
      ...options.headers,
    };
    let body: BodyInit | undefined;
    if (options.body !== undefined) {
      body = options.body;
    } else if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    return { method: options.method ?? "GET", headers, body, signal: options.signal };
  }

  /**
   * A multipart upload with progress (fetch cannot report upload progress, XHR can); the
   * same refresh-and-retry on 401 as every other request.
   */
  async upload<T>(path: string, form: FormData, onProgress?: (fraction: number) => void): Promise<T> {
    const once = () =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", buildUrl(this.baseUrl, path));
        xhr.setRequestHeader("Accept", "application/json");
        if (this.access) xhr.setRequestHeader("Authorization", `Bearer ${this.access}`);
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) onProgress?.(event.loaded / event.total);
        };
        xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
        xhr.onerror = () => reject(new ApiError(0, "NETWORK_ERROR", "The upload could not reach the server."));
        xhr.send(form);
      });
    let result = await once();
    if (result.status === 401 && (await this.refresh())) result = await once();
    const response = new Response(result.text || null, {
      status: result.status,
      headers: { "Content-Type": "application/json" },
    });
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }
}
