import { Link } from "react-router";

export function NotFound() {
  return (
    <section className="empty-state">
      <h1>Nothing here</h1>
      <p className="muted">This page does not exist.</p>
      <Link to="/studio">Back to the studio</Link>
    </section>
  );
}
