export { AuthPage } from "./components/AuthPage";
export { AuthProvider, useAuth } from "./hooks/auth-context";
