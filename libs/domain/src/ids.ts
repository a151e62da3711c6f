/** API.md: an id is 1–128 chars of [A-Za-z0-9._:-]. Checked here too, so the rule holds on both sides. */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isValidId(value: string): boolean {
  return ID.test(value);
}

/** API.md: quantity is a positive integer ≤ 1,000,000,000. */
export const MAX_QUANTITY = 1_000_000_000;

/** A JSON value, for caller-supplied metadata that the ledger stores untouched. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };
