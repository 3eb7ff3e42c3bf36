import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Admin-editable MFA policy, one row per version (api.md: Administration). */
export class MfaPolicyVersions1795872000000 implements MigrationInterface {
  name = 'MfaPolicyVersions1795872000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "mfa_policy_versions" ("version" integer NOT NULL, "document" jsonb NOT NULL, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_863c012f05464455f74825b851c" PRIMARY KEY ("version"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mfa_policy_versions"`);
  }
}
