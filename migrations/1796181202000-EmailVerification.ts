import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Email verification: when an address was proved, and the mailed links that prove one (by keyed hash). */
export class EmailVerification1796181202000 implements MigrationInterface {
  name = 'EmailVerification1796181202000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE TABLE "email_verification_tokens" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "email" text NOT NULL, "purpose" text NOT NULL, "token_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_email_verification_tokens" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "email_verification_tokens_user_id_idx" ON "email_verification_tokens" ("user_id") `);
    await queryRunner.query(`CREATE INDEX "email_verification_tokens_expires_at_idx" ON "email_verification_tokens" ("expires_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "email_verification_tokens_token_hash_idx" ON "email_verification_tokens" ("token_hash") `);
    await queryRunner.query(
      `ALTER TABLE "email_verification_tokens" ADD CONSTRAINT "FK_email_verification_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "email_verification_tokens" DROP CONSTRAINT "FK_email_verification_tokens_user"`);
    await queryRunner.query(`DROP INDEX "public"."email_verification_tokens_token_hash_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_verification_tokens_expires_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_verification_tokens_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "email_verification_tokens"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email_verified_at"`);
  }
}
