export { StudioPage, type StudioPageProps } from "./components/StudioPage";
