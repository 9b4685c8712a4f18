import React, { useEffect, useRef } from "react";

export function Modal({ open, title, onClose, children }) {
  const dialog = useRef(null);

  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (open && !node.open) node.showModal();
    if (!open && node.open) node.close();
  }, [open]);

  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="farm-modal-title"
            style={{ borderRadius: "var(--farm-radius-md)", padding: "var(--farm-space-4)" }}>
      <h2 id="farm-modal-title">{title}</h2>
      {children}
      <form method="dialog">
        <button>Close</button>
      </form>
    </dialog>
  );
}
