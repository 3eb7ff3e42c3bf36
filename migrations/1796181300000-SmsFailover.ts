import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMS failover: the providers a replacement code is routed around, when it
 * was queued, and the indexes for the delivery state of one challenge
 * (GET /auth/mfa/challenges/:id) and for the worker's scan of recent codes
 * whose receipt failed or never came.
 */
export class SmsFailover1796181300000 implements MigrationInterface {
  name = 'SmsFailover1796181300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_messages" ADD "excluded_providers" text array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "sms_messages" ADD "failed_over_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "sms_messages_challenge_id_idx" ON "sms_messages" ("challenge_id") WHERE "challenge_id" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "sms_messages_failover_idx" ON "sms_messages" ("sent_at") WHERE "kind" = 'otp' AND "failed_over_at" IS NULL AND "status" IN ('sent', 'failed')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."sms_messages_failover_idx"`);
    await queryRunner.query(`DROP INDEX "public"."sms_messages_challenge_id_idx"`);
    await queryRunner.query(`ALTER TABLE "sms_messages" DROP COLUMN "failed_over_at"`);
    await queryRunner.query(`ALTER TABLE "sms_messages" DROP COLUMN "excluded_providers"`);
  }
}
