/** Seconds before retrying on storage that is full or failing: an operator has to act first. */
export const STORAGE_RETRY_AFTER_S = 30;

/**
 * better-sqlite3 errors (SqliteError.code, extended codes included) and system errors that mean the
 * embedded log cannot write now, not that the request was wrong: disk full, I/O failure, the database
 * locked past busy_timeout, a read-only file system.
 */
const STORAGE_FAULT_CODES =
  /^(SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|PROTOCOL)(_\w+)?|ENOSPC|EDQUOT|EIO|EROFS)$/;

/**
 * The storage fault code of an error or of one of its causes. Duck-typed, not `instanceof Error`:
 * better-sqlite3 builds its errors in the realm that loaded the addon first, which under jest (one
 * VM context per test file) is not always this module's realm — the full suite answered 500 there.
 */
export function storageFaultCode(exception: unknown): string | undefined {
  let e: unknown = exception;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && STORAGE_FAULT_CODES.test(code)) return code;
    e = cause;
  }
  return undefined;
}
