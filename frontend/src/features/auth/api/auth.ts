import { api } from "@/lib/api";
import type { Session, User } from "@/lib/types";

export interface Credentials {
  email: string;
  password: string;
}

export async function register(body: Credentials & { name: string }): Promise<User> {
  return api.startSession(await api.post<Session>("/auth/register", body));
}

export async function login(body: Credentials): Promise<User> {
  return api.startSession(await api.post<Session>("/auth/login", body));
}

/** Revokes both tokens on the server; the local session ends whatever the server says. */
export async function logout(): Promise<void> {
  const refreshToken = localStorage.getItem("intellimix.refresh_token");
  try {
    await api.post("/auth/logout", refreshToken ? { refresh_token: refreshToken } : {});
  } finally {
    api.endSession();
  }
}

/** The signed-in person after a reload: the stored refresh token buys a new access token. */
export async function resumeSession(): Promise<User | null> {
  if (!api.hasRefreshToken() || !(await api.refresh())) return null;
  const { user } = await api.get<{ user: User }>("/auth/me");
  return user;
}
