import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a user stands in an enrolment grace period: since when (their first
 * login the policy asked to enrol at), how many such logins, and whether the
 * deadline notice went out. Gone with the user.
 */
export class EnrollmentGrace1796181402000 implements MigrationInterface {
  name = 'EnrollmentGrace1796181402000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mfa_enrollment_grace" ("user_id" uuid NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "logins" integer NOT NULL, "notice_sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_mfa_enrollment_grace" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "mfa_enrollment_grace" ADD CONSTRAINT "FK_mfa_enrollment_grace_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mfa_enrollment_grace"`);
  }
}
