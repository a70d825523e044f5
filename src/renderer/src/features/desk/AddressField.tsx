import type { Ref } from 'react';

/** A team workspace's address, as joining and moving a desk ask for it: typed as given, never corrected. */
export function AddressField({
  id,
  label,
  hint,
  value,
  onChange,
  invalid,
  disabled,
  inputRef,
}: {
  id: string;
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  invalid: boolean;
  disabled?: boolean;
  inputRef: Ref<HTMLInputElement>;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <span className="hint" id={`${id}-hint`}>
        {hint}
      </span>
      <input
        id={id}
        ref={inputRef}
        type="text"
        inputMode="url"
        autoComplete="url"
        spellCheck={false}
        required
        value={value}
        disabled={disabled}
        aria-describedby={`${id}-hint`}
        aria-invalid={invalid ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
