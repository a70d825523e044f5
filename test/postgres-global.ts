// Global set-up for the PostgreSQL run of the integration suite: one private cluster (test/postgres.ts)
// for the whole run, on 127.0.0.1, removed afterwards. Each test app makes its own database in it.
import type { TestProject } from 'vitest/node';
import { startPostgres, type TestPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://tandem@127.0.0.1:PORT/tandem: the cluster's maintenance database. */
    postgresUrl: string;
  }
}

let cluster: TestPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startPostgres();
  project.provide('postgresUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
