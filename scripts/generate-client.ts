import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { serviceDocument } from '../src/api/document.js';

/** Where the client's types live; `npm run client:generate` rewrites it from the routes. */
export const CLIENT_TYPES = fileURLToPath(new URL('../src/client/api-types.ts', import.meta.url));

const HEADER = `/**
 * The API's types, generated from its OpenAPI document by \`npm run client:generate\`
 * (openapi-typescript). Do not edit: change the routes' zod schemas and generate again.
 */

`;

/** The file's content as the current routes make it. */
export async function generateClientTypes(): Promise<string> {
  const ast = await openapiTS(serviceDocument() as never, { alphabetize: true });
  return HEADER + astToString(ast);
}

// `tsx scripts/generate-client.ts` writes it; with --check it only says whether it is current
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const next = await generateClientTypes();
  if (process.argv.includes('--check')) {
    const current = readFileSync(CLIENT_TYPES, 'utf8');
    if (current !== next) {
      process.stderr.write(`${CLIENT_TYPES} is out of date: run npm run client:generate\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(CLIENT_TYPES, next);
    process.stdout.write(`wrote ${CLIENT_TYPES}\n`);
  }
}
