import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * The gateway's state (the SQLite stores, their WAL, disk-driver blobs, secrets) is for its own user
 * alone, whatever the umask: directories 0700, files 0600. Existing ones are made so at start, so an
 * upgrade from a release that left them readable closes them too.
 */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Creates an SQLite database file 0600 before SQLite opens it (SQLite gives its -wal, -shm and
 * journal files the database file's mode), or makes an existing one and its side files 0600.
 */
export function privateDbFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** The mode of every file the gateway writes. */
export const PRIVATE_FILE = 0o600;
