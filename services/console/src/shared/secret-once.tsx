import { CopyButton } from './copy-button';

/** A secret the API shows only in the answer that created it. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone(): void }) {
  return (
    <div className="notice" role="region" aria-label={label}>
      <p>
        {label}, shown only this once: <code data-testid="secret">{value}</code> <CopyButton value={value} />
      </p>
      <button type="button" className="link-button" onClick={onDone}>
        I have saved it
      </button>
    </div>
  );
}
