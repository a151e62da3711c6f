/** The API key lives in sessionStorage: this tab only, gone when it closes, never sent anywhere but this ledger. */
const STORAGE_KEY = 'ledger-console:api-key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
