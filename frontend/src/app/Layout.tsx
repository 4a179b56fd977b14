import { NavLink, Outlet } from "react-router";

import { useAuth } from "@/features/auth";

import { RunIndicator } from "./RunIndicator";

const SECTIONS = [
  { to: "/studio", label: "Studio" },
  { to: "/library", label: "Library" },
  { to: "/generate", label: "Generate" },
  { to: "/tools", label: "Tools" },
  { to: "/history", label: "History" },
];

/** The frame around every signed-in page: sections, who is signed in, sign out. */
export function Layout() {
  const { user, logout } = useAuth();
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">IntelliMix</span>
        <nav aria-label="Sections" className="app-nav">
          {SECTIONS.map((section) => (
            <NavLink key={section.to} to={section.to} className="nav-link">
              {section.label}
            </NavLink>
          ))}
        </nav>
        <RunIndicator />
        <div className="app-account">
          <span className="muted" title={user?.email}>
            {user?.name}
          </span>
          <button type="button" className="button ghost small" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
