import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters that are reserved with one `UPDATE … RETURNING` instead of being
 * counted with `count(*)` before an insert (read-then-write limits let a
 * burst through):
 * - `login_attempts.verify_attempts`: second-factor attempts per mfaToken;
 * - `mfa_attempt_budgets`: the per-account failure budget (NIST SP 800-63B
 *   §5.2.2) with its back-off state in the same row;
 * - `rate_counters`: SMS send caps per user, per number and globally, one row
 *   per key and window (the global cap is spread over shard keys, so no single
 *   row serialises every login).
 */
export class AtomicCounters1795876000000 implements MigrationInterface {
  name = 'AtomicCounters1795876000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_attempts" ADD "verify_attempts" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `CREATE TABLE "mfa_attempt_budgets" ("user_id" uuid NOT NULL, "failures" integer NOT NULL, "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_failure_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_mfa_attempt_budgets" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "mfa_attempt_budgets" ADD CONSTRAINT "FK_mfa_attempt_budgets_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "rate_counters" ("key" text NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "hits" integer NOT NULL, CONSTRAINT "PK_rate_counters" PRIMARY KEY ("key", "window_start"))`,
    );
    await queryRunner.query(`CREATE INDEX "rate_counters_window_start_idx" ON "rate_counters" ("window_start")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."rate_counters_window_start_idx"`);
    await queryRunner.query(`DROP TABLE "rate_counters"`);
    await queryRunner.query(`ALTER TABLE "mfa_attempt_budgets" DROP CONSTRAINT "FK_mfa_attempt_budgets_user"`);
    await queryRunner.query(`DROP TABLE "mfa_attempt_budgets"`);
    await queryRunner.query(`ALTER TABLE "login_attempts" DROP COLUMN "verify_attempts"`);
  }
}
