import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TotpAndRecoveryCodes1795873000000 implements MigrationInterface {
  name = 'TotpAndRecoveryCodes1795873000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "totp_secrets" ("factor_id" uuid NOT NULL, "secret_ciphertext" text NOT NULL, "algorithm" text NOT NULL, "digits" integer NOT NULL, "period_seconds" integer NOT NULL, "last_used_step" bigint, CONSTRAINT "PK_cac6edb8efedaf6674f6e548b65" PRIMARY KEY ("factor_id"))`);
    await queryRunner.query(`CREATE TABLE "recovery_codes" ("id" uuid NOT NULL, "factor_id" uuid NOT NULL, "code_hash" text NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_0723b9e53961e799027d7f7ba32" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "recovery_codes_code_hash_idx" ON "recovery_codes" ("code_hash")`);
    await queryRunner.query(`CREATE INDEX "recovery_codes_factor_id_idx" ON "recovery_codes" ("factor_id")`);
    await queryRunner.query(`ALTER TABLE "totp_secrets" ADD CONSTRAINT "FK_cac6edb8efedaf6674f6e548b65" FOREIGN KEY ("factor_id") REFERENCES "mfa_factors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "recovery_codes" ADD CONSTRAINT "FK_20e7edfcf91f7de19cbd00a09e4" FOREIGN KEY ("factor_id") REFERENCES "mfa_factors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "recovery_codes" DROP CONSTRAINT "FK_20e7edfcf91f7de19cbd00a09e4"`);
    await queryRunner.query(`ALTER TABLE "totp_secrets" DROP CONSTRAINT "FK_cac6edb8efedaf6674f6e548b65"`);
    await queryRunner.query(`DROP INDEX "public"."recovery_codes_factor_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."recovery_codes_code_hash_idx"`);
    await queryRunner.query(`DROP TABLE "recovery_codes"`);
    await queryRunner.query(`DROP TABLE "totp_secrets"`);
  }
}
