import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SmsFactor1795871192151 implements MigrationInterface {
  name = 'SmsFactor1795871192151';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "mfa_factors" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "type" text NOT NULL, "status" text NOT NULL, "label" text NOT NULL, "phone_ciphertext" text, "phone_hash" text, "phone_country" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "activated_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_2a242f78dd4fed11bd563d4f933" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "mfa_factors_user_id_idx" ON "mfa_factors" ("user_id")`);
    await queryRunner.query(`CREATE TABLE "sms_challenges" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "factor_id" uuid NOT NULL, "purpose" text NOT NULL, "attempt_id" uuid, "session_id" uuid, "code_hash" text NOT NULL, "code_length" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "max_attempts" integer NOT NULL, "sends" integer NOT NULL DEFAULT '1', "max_resends" integer NOT NULL, "resend_cooldown_seconds" integer NOT NULL, "last_sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_d8451fa2548e26f6f163d5efc35" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "sms_challenges_factor_id_idx" ON "sms_challenges" ("factor_id")`);
    await queryRunner.query(`CREATE INDEX "sms_challenges_user_id_created_at_idx" ON "sms_challenges" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE TABLE "mfa_failures" ("id" BIGSERIAL NOT NULL, "user_id" uuid NOT NULL, "factor_type" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_8632655ee5490ea90e7cb81e956" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "mfa_failures_user_id_created_at_idx" ON "mfa_failures" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE TABLE "sms_messages" ("id" uuid NOT NULL, "user_id" uuid, "challenge_id" uuid, "kind" text NOT NULL, "locale" text NOT NULL, "body_template" text NOT NULL, "destination_ciphertext" text NOT NULL, "destination_hash" text NOT NULL, "destination_masked" text NOT NULL, "destination_country" text NOT NULL, "provider" text NOT NULL, "provider_message_id" text, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6d4cfef86e93e3fde23954d11bc" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "sms_messages_provider_message_id_idx" ON "sms_messages" ("provider_message_id")`);
    await queryRunner.query(`CREATE INDEX "sms_messages_destination_hash_created_at_idx" ON "sms_messages" ("destination_hash", "created_at")`);
    await queryRunner.query(`CREATE INDEX "sms_messages_user_id_created_at_idx" ON "sms_messages" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "sms_messages_due_idx" ON "sms_messages" ("status", "next_attempt_at")`);
    await queryRunner.query(`ALTER TABLE "users" ADD "mfa_unlocked_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "mfa_factors" ADD CONSTRAINT "FK_120abae8e4a6232bfe2c75b59d2" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "sms_challenges" ADD CONSTRAINT "FK_479db2a1d21cd63fdec22c600ee" FOREIGN KEY ("factor_id") REFERENCES "mfa_factors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_challenges" DROP CONSTRAINT "FK_479db2a1d21cd63fdec22c600ee"`);
    await queryRunner.query(`ALTER TABLE "mfa_factors" DROP CONSTRAINT "FK_120abae8e4a6232bfe2c75b59d2"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "mfa_unlocked_at"`);
    await queryRunner.query(`DROP INDEX "public"."sms_messages_due_idx"`);
    await queryRunner.query(`DROP INDEX "public"."sms_messages_user_id_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."sms_messages_destination_hash_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."sms_messages_provider_message_id_idx"`);
    await queryRunner.query(`DROP TABLE "sms_messages"`);
    await queryRunner.query(`DROP INDEX "public"."mfa_failures_user_id_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "mfa_failures"`);
    await queryRunner.query(`DROP INDEX "public"."sms_challenges_user_id_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."sms_challenges_factor_id_idx"`);
    await queryRunner.query(`DROP TABLE "sms_challenges"`);
    await queryRunner.query(`DROP INDEX "public"."mfa_factors_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "mfa_factors"`);
  }
}
