import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { MIGRATIONS } from '../migrations/index.js';
import { createTestDatabase } from './support/test-database.js';

describe('migrations', () => {
  it('create the whole schema from an empty database, match the entities, and revert cleanly', async () => {
    const database = await createTestDatabase();
    const dataSource = new DataSource(dataSourceOptions(database.url, { poolSize: 2 }));
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied).toHaveLength(MIGRATIONS.length);

      // Nothing left for the schema builder to do: the migrations and the entities agree.
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      // The audit log refuses edits.
      await dataSource.query(`INSERT INTO audit_events (type, created_at) VALUES ('test', now())`);
      await expect(dataSource.query(`UPDATE audit_events SET type = 'changed'`)).rejects.toThrow(/append-only/);
      await expect(dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);

      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      const tables = await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(tables.map((r: { table_name: string }) => r.table_name)).toEqual(['migrations']);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
