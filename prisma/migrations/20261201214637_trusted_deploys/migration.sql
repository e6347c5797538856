-- AlterEnum
ALTER TYPE "ChangeStatus" ADD VALUE 'planning';

-- AlterEnum
ALTER TYPE "DeployPhase" ADD VALUE 'committing';

-- AlterTable
ALTER TABLE "ChangeRequest" ADD COLUMN     "deployAttempt" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "requesters" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "uid" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateIndex
CREATE UNIQUE INDEX "ChangeRequest_uid_key" ON "ChangeRequest"("uid");

-- Changes from before this migration carry only their requester's effects.
UPDATE "ChangeRequest" SET "requesters" = ARRAY["requestedBy"] WHERE "requesters" = ARRAY[]::TEXT[];
