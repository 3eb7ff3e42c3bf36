import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hash of the code a challenge had before Sesame itself replaced it
 * (the outbox reissues a code lost in a crash), so that the first SMS's code,
 * if it did arrive, is refused without costing the user an attempt.
 */
export class SupersededCodeHash1795877000000 implements MigrationInterface {
  name = 'SupersededCodeHash1795877000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_challenges" ADD "superseded_code_hash" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_challenges" DROP COLUMN "superseded_code_hash"`);
  }
}
