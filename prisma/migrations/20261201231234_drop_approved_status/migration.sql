-- `approved` was never written: an approval moves a change from pending to queued at once.
-- Should a row hold it anyway, it goes back to pending (to be approved again) rather than
-- failing the migration.
UPDATE "ChangeRequest" SET "status" = 'pending' WHERE "status"::text = 'approved';

-- AlterEnum
BEGIN;
CREATE TYPE "ChangeStatus_new" AS ENUM ('planning', 'pending', 'rejected', 'superseded', 'expired', 'queued', 'deploying', 'deployed', 'failed', 'rolled_back');
ALTER TABLE "ChangeRequest" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "ChangeRequest" ALTER COLUMN "status" TYPE "ChangeStatus_new" USING ("status"::text::"ChangeStatus_new");
ALTER TYPE "ChangeStatus" RENAME TO "ChangeStatus_old";
ALTER TYPE "ChangeStatus_new" RENAME TO "ChangeStatus";
DROP TYPE "ChangeStatus_old";
ALTER TABLE "ChangeRequest" ALTER COLUMN "status" SET DEFAULT 'pending';
COMMIT;
