import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { ApiError } from "@/lib/api-client";
import { formText } from "@/lib/forms";

import { useAuth } from "../hooks/auth-context";

/** Sign in and sign up share one form; `mode` decides which fields and which call. */
export function AuthPage({ mode }: { mode: "login" | "register" }) {
  const { login, register } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const registering = mode === "register";

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = formText(form, "email");
    const password = formText(form, "password");
    setBusy(true);
    setError(null);
    try {
      if (registering) await register({ name: formText(form, "name"), email, password });
      else await login({ email, password });
      const from = (location.state as { from?: string } | null)?.from;
      void navigate(from && from !== "/login" ? from : "/", { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, "NETWORK_ERROR", "The server could not be reached."));
    } finally {
      setBusy(false);
    }
  };

  const fields = error?.fieldErrors() ?? {};
  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate={false}>
        <h1 className="brand">IntelliMix</h1>
        <p className="muted">{registering ? "Create your studio account." : "Sign in to your studio."}</p>
        {registering && (
          <label>
            Name
            <input name="name" autoComplete="name" required maxLength={120} />
            {fields.name && <span className="field-error">{fields.name}</span>}
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
          {fields.email && <span className="field-error">{fields.email}</span>}
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={registering ? "new-password" : "current-password"}
            required
            minLength={registering ? 8 : undefined}
          />
          {fields.password && <span className="field-error">{fields.password}</span>}
        </label>
        {error && Object.keys(fields).length === 0 && (
          <p className="error-text" role="alert">
            {error.message}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {registering ? "Create account" : "Sign in"}
        </button>
        <p className="muted">
          {registering ? (
            <>
              Have an account? <Link to="/login">Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link to="/register">Create an account</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
