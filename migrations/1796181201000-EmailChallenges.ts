import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Challenges of the email one-time-code factor: keyed code hashes, attempts counted before comparison, single use. */
export class EmailChallenges1796181201000 implements MigrationInterface {
  name = 'EmailChallenges1796181201000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "email_challenges" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "factor_id" uuid NOT NULL, "purpose" text NOT NULL, "attempt_id" uuid, "session_id" uuid, "code_hash" text NOT NULL, "code_length" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "attempts" integer NOT NULL DEFAULT 0, "max_attempts" integer NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_email_challenges" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "email_challenges_user_id_created_at_idx" ON "email_challenges" ("user_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "email_challenges_factor_id_idx" ON "email_challenges" ("factor_id") `);
    await queryRunner.query(
      `ALTER TABLE "email_challenges" ADD CONSTRAINT "FK_email_challenges_factor" FOREIGN KEY ("factor_id") REFERENCES "mfa_factors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "email_challenges" DROP CONSTRAINT "FK_email_challenges_factor"`);
    await queryRunner.query(`DROP INDEX "public"."email_challenges_factor_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_challenges_user_id_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "email_challenges"`);
  }
}
