export { LibraryPage } from "./components/LibraryPage";
export { TrackDetailPage } from "./components/TrackDetailPage";
