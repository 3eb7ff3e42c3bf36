/**
 * Creates an administrator: npm run admin:create -- --email admin@example.com --password '…'
 * Uses the same configuration as the server (.env in development, DATABASE_URL, or the development
 * embedded database). The admin enrols a second factor at first login.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/app-config.js';
import { loadDotEnv } from '../src/config/dotenv.js';
import { resolveKeys } from '../src/config/keys.js';
import { resolveDatabase } from '../src/database/database-url.js';
import { AdminAccountsService } from '../src/users/admin-accounts.service.js';
import { checkDatabase, runCli } from './cli.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
  if (!values.email || !values.password) {
    console.error('usage: npm run admin:create -- --email <email> --password <password>');
    return 2;
  }
  loadDotEnv();
  const config = { ...loadConfig(), bootstrapAdmin: null, logLevel: 'warn' };
  const database = await resolveDatabase(config, () => undefined);
  try {
    await checkDatabase(database.url, database.embedded);
    // Nest's own logger stays off: a failure is reported once, below, as one line.
    const app = await NestFactory.createApplicationContext(
      AppModule.register({
        config,
        keys: await resolveKeys(config),
        databaseUrl: database.url,
        backgroundJobs: false,
      }),
      { logger: false, abortOnError: false },
    );
    try {
      const result = await app.get(AdminAccountsService).createAdmin(values.email, values.password, 'cli');
      if (!result.created) {
        console.error(`not created: ${result.reason}`);
        return 1;
      }
      console.log(`admin ${result.user.email} created (id ${result.user.id}); enrol a second factor at first login`);
      return 0;
    } catch (error) {
      const problem = (error as { problem?: { code: string; extensions?: unknown } }).problem;
      if (!problem) throw error;
      console.error(`refused: ${problem.code} ${JSON.stringify(problem.extensions ?? {})}`);
      return 1;
    } finally {
      await app.close();
    }
  } finally {
    await database.stop();
  }
}

runCli(main);
