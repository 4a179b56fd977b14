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
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
]);
