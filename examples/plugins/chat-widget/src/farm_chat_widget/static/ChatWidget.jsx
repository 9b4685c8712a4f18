import React, { useState } from "react";

export default function ChatWidget({ title = "Ask us anything" }) {
  const [open, setOpen] = useState(false);
  const [history, setHistory] = useState([]);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);

  async function send(event) {
    event.preventDefault();
    const question = draft.trim();
    if (!question || busy) return;
    setDraft("");
    setBusy(true);
    const next = [...history, { role: "user", content: question }, { role: "assistant", content: "" }];
    setHistory(next);

    const response = await fetch("/chat-widget/ask", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ history, question }),
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const frames = buffer.split("\r\n\r\n");
      buffer = frames.pop();
      for (const frame of frames) {
        const type = /event: (\w+)/.exec(frame)?.[1];
        const data = frame.split(/\r?\n/).filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (type === "token") {
          setHistory((h) => [...h.slice(0, -1), { role: "assistant", content: h.at(-1).content + data }]);
        }
      }
    }
    setBusy(false);
  }

  if (!open) {
    return <button className="farm-chat-launcher" onClick={() => setOpen(true)}>💬</button>;
  }
  return (
    <aside className="farm-chat" aria-label={title}>
      <header>
        {title} <button onClick={() => setOpen(false)} aria-label="Close">×</button>
      </header>
      <ol>
        {history.map((m, i) => (
          <li key={i} className={`farm-chat-${m.role}`}>{m.content}</li>
        ))}
      </ol>
      <form onSubmit={send}>
        <input value={draft} onChange={(e) => setDraft(e.target.value)} disabled={busy} />
        <button type="submit" disabled={busy}>Send</button>
      </form>
    </aside>
  );
}
