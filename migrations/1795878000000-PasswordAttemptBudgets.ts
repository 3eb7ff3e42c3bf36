import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-account budget of failed password attempts (NIST SP 800-63B
 * §5.2.2), keyed by a keyed hash of the normalised email so that a known and
 * an unknown address are limited alike and nothing tells them apart.
 */
export class PasswordAttemptBudgets1795878000000 implements MigrationInterface {
  name = 'PasswordAttemptBudgets1795878000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "password_attempt_budgets" ("email_hash" text NOT NULL, "failures" integer NOT NULL, "last_failure_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_password_attempt_budgets" PRIMARY KEY ("email_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "password_attempt_budgets_last_failure_at_idx" ON "password_attempt_budgets" ("last_failure_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."password_attempt_budgets_last_failure_at_idx"`);
    await queryRunner.query(`DROP TABLE "password_attempt_budgets"`);
  }
}
