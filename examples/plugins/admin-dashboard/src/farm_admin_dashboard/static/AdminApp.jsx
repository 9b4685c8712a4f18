import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

const manifest = await fetch("/ui-kit/manifest.json").then((r) => r.json());
const { DataTable } = await import(/* @vite-ignore */ manifest.components.DataTable);

function authHeaders() {
  const token = sessionStorage.getItem("farm_access_token");
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function CollectionView({ name, columns }) {
  const [data, setData] = useState({ rows: [], total: 0 });
  const [query, setQuery] = useState("");

  useEffect(() => {
    const params = new URLSearchParams({ size: "200", q: query });
    fetch(`/admin/api/collections/${name}?${params}`, { headers: authHeaders() })
      .then((r) => r.json())
      .then(setData);
  }, [name, query]);

  return (
    <section>
      <h2>{name} <small>({data.total})</small></h2>
      <input placeholder="Search…" value={query} onChange={(e) => setQuery(e.target.value)} />
      <DataTable columns={columns.map((c) => ({ key: c, title: c }))} rows={data.rows} />
    </section>
  );
}

function AdminApp() {
  const [collections, setCollections] = useState(null);
  const [active, setActive] = useState(null);

  useEffect(() => {
    fetch("/admin/api/collections", { headers: authHeaders() })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then(setCollections)
      .catch(() => setCollections({}));
  }, []);

  if (collections === null) return <p>Loading…</p>;
  const names = Object.keys(collections);
  if (names.length === 0) return <p>No collections configured, or you are not an admin.</p>;

  return (
    <main style={{ display: "flex", gap: "var(--farm-space-4)" }}>
      <nav>
        {names.map((n) => (
          <button key={n} onClick={() => setActive(n)} aria-current={active === n}>{n}</button>
        ))}
      </nav>
      {active && <CollectionView name={active} columns={collections[active].columns} />}
    </main>
  );
}

createRoot(document.getElementById("root")).render(<AdminApp />);
