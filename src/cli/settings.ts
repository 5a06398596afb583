import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config.js';

/** Where and as whom the CLI talks to a gateway. */
export interface Remote {
  url: string;
  apiKey?: string;
  adminToken?: string;
}

export interface Profile {
  url?: string;
  apiKey?: string;
  adminToken?: string;
}

export interface GlobalFlags {
  url?: string;
  apiKey?: string;
  adminToken?: string;
  profile?: string;
}

/** The profile file: S3GATE_CONFIG, else $XDG_CONFIG_HOME/s3gate/profiles.json, else ~/.config/s3gate/profiles.json. */
export function profileFile(env: NodeJS.ProcessEnv, home: string): string {
  return env.S3GATE_CONFIG || join(env.XDG_CONFIG_HOME || join(home, '.config'), 's3gate', 'profiles.json');
}

export function readProfiles(file: string): Record<string, Profile> {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { profiles?: Record<string, Profile> };
    return parsed.profiles ?? {};
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
}

/** Saves a profile; the file is readable by its owner only (it holds keys). */
export function writeProfile(file: string, name: string, profile: Profile): void {
  const profiles = readProfiles(file);
  profiles[name] = { ...profiles[name], ...Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined)) };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ profiles }, null, 2) + '\n', { mode: 0o600 });
}

/**
 * Flags first, then S3GATE_URL / S3GATE_API_KEY / S3GATE_ADMIN_TOKEN, then the profile (--profile,
 * S3GATE_PROFILE, or `default`), then http://127.0.0.1:3000.
 */
export function resolveRemote(flags: GlobalFlags, env: NodeJS.ProcessEnv, home: string): Remote {
  const file = profileFile(env, home);
  const name = flags.profile ?? env.S3GATE_PROFILE;
  const profiles = readProfiles(file);
  if (name && !profiles[name]) throw new ConfigError(`no profile '${name}' in ${file}; create it with: s3gate profile set ${name} --url … --api-key …`);
  const p = profiles[name ?? 'default'] ?? {};
  const url = (flags.url ?? env.S3GATE_URL ?? p.url ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`the gateway URL must be http(s)://host[:port], got '${url}' (--url, S3GATE_URL)`);
  }
  return { url, apiKey: flags.apiKey ?? env.S3GATE_API_KEY ?? p.apiKey, adminToken: flags.adminToken ?? env.S3GATE_ADMIN_TOKEN ?? p.adminToken };
}
