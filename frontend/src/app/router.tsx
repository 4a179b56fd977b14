import { createBrowserRouter, Navigate } from "react-router";

import { AuthPage } from "@/features/auth";

import { Layout } from "./Layout";
import { RequireAuth } from "./RequireAuth";
import { NotFound } from "./NotFound";

export const router = createBrowserRouter([
  { path: "/login", element: <AuthPage mode="login" /> },
  { path: "/register", element: <AuthPage mode="register" /> },
  {
    element: <RequireAuth />,
    children: [
      {
        element: <Layout />,
        children: [
          { index: true, element: <Navigate to="/studio" replace /> },
          { path: "generate", lazy: () => import("@/features/generate").then((m) => ({ Component: m.GeneratePage })) },
          { path: "tools", lazy: () => import("@/features/tools").then((m) => ({ Component: m.ToolsPage })) },
          { path: "history", lazy: () => import("@/features/history").then((m) => ({ Component: m.HistoryPage })) },
          { path: "library", lazy: async () => ({ Component: (await import("@/features/library")).LibraryPage }) },
          {
            path: "library/:trackId",
            lazy: async () => ({ Component: (await import("@/features/library")).TrackDetailPage }),
          },
          {
            path: "library/:trackId/feedback",
            lazy: async () => ({ Component: (await import("@/features/feedback")).FeedbackPage }),
          },
          { path: "studio", lazy: async () => ({ Component: (await import("./routes/studio")).default }) },
          { path: "studio/:threadId", lazy: async () => ({ Component: (await import("./routes/studio")).default }) },
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
]);
