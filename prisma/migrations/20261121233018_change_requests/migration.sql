-- CreateEnum
CREATE TYPE "ChangeStatus" AS ENUM ('pending', 'approved', 'rejected', 'superseded', 'expired', 'queued', 'deploying', 'deployed', 'failed', 'rolled_back');

-- CreateEnum
CREATE TYPE "DeployPhase" AS ENUM ('none', 'loaded', 'committed', 'confirmed');

-- CreateTable
CREATE TABLE "ChangeRequest" (
    "id" SERIAL NOT NULL,
    "routerId" INTEGER NOT NULL,
    "summary" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "requestedByName" TEXT NOT NULL DEFAULT '',
    "status" "ChangeStatus" NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL DEFAULT '',
    "config" TEXT NOT NULL,
    "configSha256" TEXT NOT NULL,
    "baseSha256" TEXT NOT NULL,
    "diff" TEXT NOT NULL,
    "diffSha256" TEXT NOT NULL,
    "added" INTEGER NOT NULL DEFAULT 0,
    "removed" INTEGER NOT NULL DEFAULT 0,
    "effects" JSONB NOT NULL DEFAULT '[]',
    "steps" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "phase" "DeployPhase" NOT NULL DEFAULT 'none',
    "supersedesId" INTEGER,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),
    "deployedAt" TIMESTAMP(3),
    "messagePlatform" TEXT NOT NULL DEFAULT '',
    "messageChannel" TEXT NOT NULL DEFAULT '',
    "messageId" TEXT NOT NULL DEFAULT '',
    "messageThread" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "ChangeRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChangeApproval" (
    "id" SERIAL NOT NULL,
    "changeId" INTEGER NOT NULL,
    "approver" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChangeApproval_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChangeRequest_routerId_status_idx" ON "ChangeRequest"("routerId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ChangeApproval_changeId_approver_key" ON "ChangeApproval"("changeId", "approver");

-- AddForeignKey
ALTER TABLE "ChangeRequest" ADD CONSTRAINT "ChangeRequest_routerId_fkey" FOREIGN KEY ("routerId") REFERENCES "Router"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChangeApproval" ADD CONSTRAINT "ChangeApproval_changeId_fkey" FOREIGN KEY ("changeId") REFERENCES "ChangeRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;
