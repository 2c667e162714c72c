import type { ReactNode } from "react";

interface FieldProps {
  /** The form's useId(); the input's id is `${id}-${name}`. */
  id: string;
  name: string;
  label: string;
  hint?: string | undefined;
  error: string | undefined;
  /** Renders the input, given the ids that describe it (hint, error). */
  children: (describedBy: string | undefined) => ReactNode;
}

/** A labelled form field with its hint, or its error in place of the hint. */
export function Field({ id, name, label, hint, error, children }: FieldProps) {
  const hintId = hint ? `${id}-${name}-hint` : undefined;
  const errorId = error ? `${id}-${name}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {children(describedBy)}
      {hint && !error ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId} data-field-error={name}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
