import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api } from "@/lib/api";
import type { User } from "@/lib/types";

import * as authApi from "../api/auth";

interface AuthState {
  user: User | null;
  ready: boolean;
  login: typeof authApi.login;
  register: typeof authApi.register;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const stop = api.onSessionChange((next) => {
      setUser(next);
      if (!next) queryClient.clear(); // nothing of one person's data outlives their session
    });
    authApi
      .resumeSession()
      .then(setUser)
      .catch(() => setUser(null))
      .finally(() => setReady(true));
    return stop;
  }, [queryClient]);

  const logout = useCallback(() => authApi.logout(), []);
  const value = useMemo(() => ({ user, ready, login: authApi.login, register: authApi.register, logout }), [user, ready, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth needs an AuthProvider above it");
  return state;
}
