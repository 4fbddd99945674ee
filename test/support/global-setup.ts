import { createConnection } from 'node:net';
import type { TestProject } from 'vitest/node';

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * Finds the servers the tests use: TEST_DATABASE_URL/DATABASE_URL and TEST_NATS_URL/NATS_URL
 * when set; else a local Postgres and NATS on their standard ports; else testcontainers
 * (needs Docker). Test files make their own databases and streams on these servers.
 */
export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let natsUrl = process.env.TEST_NATS_URL ?? process.env.NATS_URL;
  if (!pgUrl && (await answers('127.0.0.1', 5432))) pgUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!natsUrl && (await answers('127.0.0.1', 4222))) natsUrl = 'nats://127.0.0.1:4222';
  if (!pgUrl) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const pg = await new PostgreSqlContainer('postgres:15').start();
    stops.push(() => pg.stop());
    pgUrl = pg.getConnectionUri();
  }
  if (!natsUrl) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const nats = await new GenericContainer('nats:2.10')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    stops.push(() => nats.stop());
    natsUrl = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }
  project.provide('pgUrl', pgUrl);
  project.provide('natsUrl', natsUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    natsUrl: string;
  }
}
