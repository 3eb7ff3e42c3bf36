import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The groups an admin puts a user in, which MFA policy rules match on. No
 * index: rules are matched in memory on a user already read, and the dry run
 * reads every user anyway. Stored policy versions need no change: a document without `rules` is read
 * as a one-rule policy (policy-rules.ts).
 */
export class UserGroups1796181400000 implements MigrationInterface {
  name = 'UserGroups1796181400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "groups" text array NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "groups"`);
  }
}
