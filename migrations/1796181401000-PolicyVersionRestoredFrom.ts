import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A version made by a rollback names the version it restored, so the history reads as what happened. */
export class PolicyVersionRestoredFrom1796181401000 implements MigrationInterface {
  name = 'PolicyVersionRestoredFrom1796181401000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mfa_policy_versions" ADD "restored_from" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mfa_policy_versions" DROP COLUMN "restored_from"`);
  }
}
