import { S3gateError } from '../../clients/typescript/src/index.js';

/** An error as the API gave it: its code and message; nothing fails silently. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as { code?: string; message?: string };
  return (
    <div class="error" role="alert">
      {e instanceof S3gateError || e.code ? <code>{e.code}</code> : null} {e.message ?? String(error)}
    </div>
  );
}
