import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the global hourly SMS budget count recent codes without scanning the outbox. */
export class SmsBudgetIndex1795875000000 implements MigrationInterface {
  name = 'SmsBudgetIndex1795875000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "sms_messages_kind_created_at_idx" ON "sms_messages" ("kind", "created_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."sms_messages_kind_created_at_idx"`);
  }
}
