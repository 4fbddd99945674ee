import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyScope, Role } from '../events/index.js';

/**
 * An API key is `imhub_<key id>_<secret>`: the id (16 hex digits) finds the key without a
 * scan, the secret (32 random bytes, base64url) proves it. Only the secret's SHA-256 is kept.
 *
 * @example parseApiKey('imhub_3f9c0a7e12d45b68_Vb0…') // { keyId: '3f9c0a7e12d45b68', secret: 'Vb0…' }
 */
const KEY = /^imhub_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  keyId: string;
  secret: string;
}

export function parseApiKey(key: string): ParsedKey | null {
  const m = KEY.exec(key);
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

export const secretSha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A new key: its plaintext (to show once), its id and the hash to store. */
export function generateApiKey(): { key: string; keyId: string; secretSha256: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `imhub_${keyId}_${secret}`, keyId, secretSha256: secretSha256(secret) };
}

/** Whether `secret` hashes to `storedSha256`, in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedSha256: string): boolean {
  const a = Buffer.from(secretSha256(secret), 'hex');
  const b = Buffer.from(storedSha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What a request may do: the key that made it, its role and its accounts. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** The accounts it may see; null: all. */
  accounts: readonly string[] | null;
}

/** What a role may do. An auditor also reads (what it audits), and recalled content. */
export type Permission = 'read' | 'act' | 'audit' | 'admin';

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  reader: ['read'],
  operator: ['read', 'act'],
  auditor: ['read', 'audit'],
  admin: ['read', 'act', 'audit', 'admin'],
};

/** The roles that have a permission, for error messages and the docs. */
export const rolesWith = (p: Permission): Role[] =>
  (Object.keys(ROLE_PERMISSIONS) as Role[]).filter((r) => ROLE_PERMISSIONS[r].includes(p));

export const may = (principal: Principal, p: Permission) => ROLE_PERMISSIONS[principal.role].includes(p);

export const inScope = (principal: Principal, accountId: string) =>
  principal.accounts === null || principal.accounts.includes(accountId);

/** A scope as the command line and the docs write it: `all`, or `a,b`. */
export const formatScope = (accounts: KeyScope | readonly string[] | null) =>
  accounts === null || accounts === 'all' ? 'all' : accounts.join(',');
