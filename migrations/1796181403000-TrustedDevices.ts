import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remembered devices: a random device token, stored only as a keyed hash,
 * bound to one user, that stands in for the second factor at login until it
 * expires or is revoked.
 */
export class TrustedDevices1796181403000 implements MigrationInterface {
  name = 'TrustedDevices1796181403000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "trusted_devices" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "token_hash" text NOT NULL, "label" text NOT NULL, "amr" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" text, CONSTRAINT "PK_trusted_devices" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "trusted_devices_token_hash_key" ON "trusted_devices" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "trusted_devices_user_id_idx" ON "trusted_devices" ("user_id")`);
    await queryRunner.query(
      `ALTER TABLE "trusted_devices" ADD CONSTRAINT "FK_trusted_devices_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "trusted_devices"`);
  }
}
