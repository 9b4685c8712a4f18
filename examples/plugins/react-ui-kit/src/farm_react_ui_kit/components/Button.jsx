import React from "react";

const VARIANTS = {
  primary: { background: "var(--farm-color-primary)", color: "var(--farm-color-surface)" },
  ghost: { background: "transparent", color: "var(--farm-color-primary)" },
  danger: { background: "var(--farm-color-danger)", color: "var(--farm-color-surface)" },
};

export function Button({ variant = "primary", loading = false, disabled, children, ...rest }) {
  const style = {
    ...VARIANTS[variant],
    border: "1px solid var(--farm-color-primary)",
    borderRadius: "var(--farm-radius-md)",
    padding: "var(--farm-space-2) var(--farm-space-3)",
    fontFamily: "var(--farm-font-family)",
    cursor: disabled || loading ? "not-allowed" : "pointer",
    opacity: disabled ? 0.6 : 1,
  };
  return (
    <button style={style} disabled={disabled || loading} aria-busy={loading} {...rest}>
      {loading ? "…" : children}
    </button>
  );
}
