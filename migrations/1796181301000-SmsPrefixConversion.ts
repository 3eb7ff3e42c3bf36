import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversion per number prefix (codes verified ÷ codes sent): the prefix a
 * challenge's code went to — a prefix, never the number — and the prefixes
 * blocked for SMS pumping, with the figures that blocked them and who lifted
 * the block.
 */
export class SmsPrefixConversion1796181301000 implements MigrationInterface {
  name = 'SmsPrefixConversion1796181301000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_challenges" ADD "destination_prefix" text`);
    await queryRunner.query(
      `CREATE TABLE "sms_prefix_blocks" ("id" uuid NOT NULL, "prefix" text NOT NULL, "country" text NOT NULL, "reason" text NOT NULL, "sent" integer NOT NULL, "verified" integer NOT NULL, "blocked_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lifted_at" TIMESTAMP WITH TIME ZONE, "lifted_by" uuid, CONSTRAINT "PK_sms_prefix_blocks" PRIMARY KEY ("id"))`,
    );
    // At most one block in force per prefix.
    await queryRunner.query(`CREATE UNIQUE INDEX "sms_prefix_blocks_active_idx" ON "sms_prefix_blocks" ("prefix") WHERE "lifted_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."sms_prefix_blocks_active_idx"`);
    await queryRunner.query(`DROP TABLE "sms_prefix_blocks"`);
    await queryRunner.query(`ALTER TABLE "sms_challenges" DROP COLUMN "destination_prefix"`);
  }
}
