import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnvSchema } from '../src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the README', () => {
  it('has every setting of src/config.ts in its configuration table', () => {
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## The event contract'));
    for (const key of Object.keys(EnvSchema.shape)) expect(table, key).toContain(`\`${key}\``);
  });
});
