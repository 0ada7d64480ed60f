// One labelled form field with its validation errors below it, tied to the control by
// aria-describedby / aria-invalid so a screen reader reads the error with the field.
import type { ComponentChildren } from "preact";

export interface ControlProps {
  id: string;
  "aria-invalid"?: "true";
  "aria-describedby"?: string;
}

export function Field({ id, label, errors, hint, group, children }: {
  id: string;
  /** A group of controls (check boxes): labelled by id-label instead of a <label for>. */
  group?: boolean;
  label: string;
  errors?: string[] | undefined;
  hint?: string;
  children: (control: ControlProps) => ComponentChildren;
}) {
  const bad = errors !== undefined && errors.length > 0;
  return (
    <div class={`field${bad ? " invalid" : ""}`} data-field={id}>
      {group ? <span class="label" id={`${id}-label`}>{label}</span> : <label for={id}>{label}</label>}
      {children({ id, ...(bad ? { "aria-invalid": "true", "aria-describedby": `${id}-error` } : {}) })}
      {hint && <span class="muted small">{hint}</span>}
      {bad && (
        <p class="field-error" id={`${id}-error`} data-testid={`error-${id}`}>
          {errors!.join("；")}
        </p>
      )}
    </div>
  );
}
