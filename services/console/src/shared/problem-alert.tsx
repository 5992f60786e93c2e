import type { ApiError } from '../api/client';

/** What the API said was wrong: its problem details, with each bad field and why. */
export function ProblemAlert({ error, onDismiss }: { error: ApiError | undefined; onDismiss?: () => void }) {
  if (!error) return null;
  const { title, detail, errors, status } = error.problem;
  return (
    <div role="alert" className="problem">
      <div className="problem-head">
        <strong>
          {title}
          {status ? ` (${status})` : ''}
        </strong>
        {onDismiss && (
          <button type="button" className="link-button" onClick={onDismiss} aria-label="Dismiss the error">
            ×
          </button>
        )}
      </div>
      {detail && <p>{detail}</p>}
      {errors && errors.length > 0 && (
        <ul>
          {errors.map((item) => (
            <li key={`${item.field}:${item.reason}`}>
              <code>{item.field}</code> {item.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
