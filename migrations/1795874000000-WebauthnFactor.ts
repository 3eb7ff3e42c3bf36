import type { MigrationInterface, QueryRunner } from 'typeorm';

export class WebauthnFactor1795874000000 implements MigrationInterface {
  name = 'WebauthnFactor1795874000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "webauthn_challenges" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "purpose" text NOT NULL, "challenge" text NOT NULL, "factor_id" uuid, "attempt_id" uuid, "session_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_e2946be78aa4435a952618a944d" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "webauthn_challenges_factor_id_idx" ON "webauthn_challenges" ("factor_id")`);
    await queryRunner.query(`CREATE INDEX "webauthn_challenges_user_id_created_at_idx" ON "webauthn_challenges" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE TABLE "webauthn_credentials" ("factor_id" uuid NOT NULL, "credential_id" text NOT NULL, "public_key" bytea NOT NULL, "counter" bigint NOT NULL, "transports" text array NOT NULL, "device_type" text NOT NULL, "backed_up" boolean NOT NULL, "aaguid" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_5f5f3d2e5ad1f27c1ed670bc6b9" PRIMARY KEY ("factor_id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "webauthn_credentials_credential_id_key" ON "webauthn_credentials" ("credential_id")`);
    await queryRunner.query(`ALTER TABLE "webauthn_challenges" ADD CONSTRAINT "FK_0dcc679b1d27e0a3927a37798a9" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webauthn_challenges" ADD CONSTRAINT "FK_77cd1022e8fae0e2cfcd5f86eff" FOREIGN KEY ("factor_id") REFERENCES "mfa_factors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webauthn_credentials" ADD CONSTRAINT "FK_5f5f3d2e5ad1f27c1ed670bc6b9" FOREIGN KEY ("factor_id") REFERENCES "mfa_factors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webauthn_credentials" DROP CONSTRAINT "FK_5f5f3d2e5ad1f27c1ed670bc6b9"`);
    await queryRunner.query(`ALTER TABLE "webauthn_challenges" DROP CONSTRAINT "FK_77cd1022e8fae0e2cfcd5f86eff"`);
    await queryRunner.query(`ALTER TABLE "webauthn_challenges" DROP CONSTRAINT "FK_0dcc679b1d27e0a3927a37798a9"`);
    await queryRunner.query(`DROP INDEX "public"."webauthn_credentials_credential_id_key"`);
    await queryRunner.query(`DROP TABLE "webauthn_credentials"`);
    await queryRunner.query(`DROP INDEX "public"."webauthn_challenges_user_id_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."webauthn_challenges_factor_id_idx"`);
    await queryRunner.query(`DROP TABLE "webauthn_challenges"`);
  }
}
