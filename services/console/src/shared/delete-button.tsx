interface DeleteButtonProps {
  /** The page's action runner (useAction): keeps the busy flag and shows the server's problem details. */
  run: (action: () => Promise<void>) => Promise<void>;
  busy: boolean;
  /** Removes the item through the API. */
  remove: () => Promise<unknown>;
  /** Reads the list again once the item is gone. */
  reload: () => void;
}

/** The small danger button that deletes one item of a settings list. */
export function DeleteButton({ run, busy, remove, reload }: DeleteButtonProps) {
  return (
    <button
      type="button"
      className="danger small"
      disabled={busy}
      onClick={() =>
        void run(async () => {
          await remove();
          reload();
        })
      }
    >
      Delete
    </button>
  );
}
