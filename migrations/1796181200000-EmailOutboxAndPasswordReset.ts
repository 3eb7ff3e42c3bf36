import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The email outbox (rows before sends, like the SMS one; a message's one-time
 * link is sealed and erased once sent) and password-reset tokens, stored as
 * keyed hashes and spent once.
 */
export class EmailOutboxAndPasswordReset1796181200000 implements MigrationInterface {
  name = 'EmailOutboxAndPasswordReset1796181200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "email_messages" ("id" uuid NOT NULL, "user_id" uuid, "kind" text NOT NULL, "locale" text NOT NULL, "content" jsonb NOT NULL, "recipient_ciphertext" text NOT NULL, "recipient_masked" text NOT NULL, "secret_ciphertext" text, "provider" text NOT NULL, "provider_message_id" text, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_email_messages" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "email_messages_due_idx" ON "email_messages" ("status", "next_attempt_at") `);
    await queryRunner.query(`CREATE INDEX "email_messages_user_id_created_at_idx" ON "email_messages" ("user_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "password_reset_tokens" ("id" uuid NOT NULL, "user_id" uuid, "token_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_password_reset_tokens" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "password_reset_tokens_user_id_idx" ON "password_reset_tokens" ("user_id") `);
    await queryRunner.query(`CREATE INDEX "password_reset_tokens_expires_at_idx" ON "password_reset_tokens" ("expires_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "password_reset_tokens_token_hash_idx" ON "password_reset_tokens" ("token_hash") `);
    await queryRunner.query(
      `ALTER TABLE "password_reset_tokens" ADD CONSTRAINT "FK_password_reset_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "password_reset_tokens" DROP CONSTRAINT "FK_password_reset_tokens_user"`);
    await queryRunner.query(`DROP INDEX "public"."password_reset_tokens_token_hash_idx"`);
    await queryRunner.query(`DROP INDEX "public"."password_reset_tokens_expires_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."password_reset_tokens_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "password_reset_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."email_messages_user_id_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_messages_due_idx"`);
    await queryRunner.query(`DROP TABLE "email_messages"`);
  }
}
