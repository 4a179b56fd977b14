import { Navigate, Outlet, useLocation } from "react-router";

import { useAuth } from "@/features/auth";

/** Routes behind sign-in; a reload waits for the stored session before deciding. */
export function RequireAuth() {
  const { user, ready } = useAuth();
  const location = useLocation();
  if (!ready)
    return (
      <div className="splash" aria-busy="true">
        Loading your studio…
      </div>
    );
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <Outlet />;
}
