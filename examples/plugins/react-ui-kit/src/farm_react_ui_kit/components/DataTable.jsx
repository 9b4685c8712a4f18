import React, { useMemo, useState } from "react";

export function DataTable({ columns, rows, pageSize = 20, emptyText = "Nothing here yet" }) {
  const [sort, setSort] = useState({ key: null, asc: true });
  const [page, setPage] = useState(0);

  const sorted = useMemo(() => {
    if (!sort.key) return rows;
    const copy = [...rows];
    copy.sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      if (x === y) return 0;
      return (x > y ? 1 : -1) * (sort.asc ? 1 : -1);
    });
    return copy;
  }, [rows, sort]);

  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const visible = sorted.slice(page * pageSize, (page + 1) * pageSize);

  if (rows.length === 0) return <p className="farm-empty">{emptyText}</p>;

  return (
    <div className="farm-table">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} onClick={() => setSort({ key: c.key, asc: sort.key === c.key ? !sort.asc : true })}>
                {c.title}
                {sort.key === c.key ? (sort.asc ? " ▲" : " ▼") : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {visible.map((row, i) => (
            <tr key={row.id ?? i}>
              {columns.map((c) => (
                <td key={c.key}>{c.render ? c.render(row) : String(row[c.key] ?? "")}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="pagination">
        <button disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
        <span>{page + 1} / {pages}</span>
        <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next</button>
      </nav>
    </div>
  );
}
