export { ToolsPage } from "./components/ToolsPage";
