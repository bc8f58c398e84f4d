/** Writes the shared test key as `<home>/secret.key` (mode 0600) unless the data dir has a key. */
export function shareSecretKey(home: string): void;
