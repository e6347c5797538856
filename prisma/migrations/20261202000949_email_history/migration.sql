-- CreateEnum
CREATE TYPE "EmailKind" AS ENUM ('peering_request', 'sessions_configured', 'maintenance');

-- CreateEnum
CREATE TYPE "EmailStatus" AS ENUM ('draft', 'queued', 'sending', 'sent', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "EmailBatchStatus" AS ENUM ('draft', 'sending', 'done', 'cancelled');

-- CreateEnum
CREATE TYPE "PeeringRequestState" AS ENUM ('requested', 'configured', 'declined', 'answered');

-- CreateEnum
CREATE TYPE "ObjectAction" AS ENUM ('create', 'update', 'delete');

-- AlterTable
ALTER TABLE "AutonomousSystem" ADD COLUMN     "emailFrom" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "emailReplyTo" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "DirectSession" ADD COLUMN     "passwordEnv" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "Email" (
    "id" SERIAL NOT NULL,
    "kind" "EmailKind" NOT NULL,
    "template" TEXT NOT NULL,
    "status" "EmailStatus" NOT NULL DEFAULT 'draft',
    "messageId" TEXT NOT NULL,
    "fromAddress" TEXT NOT NULL,
    "replyTo" TEXT NOT NULL DEFAULT '',
    "to" TEXT[],
    "cc" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "bcc" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "subject" TEXT NOT NULL,
    "textBody" TEXT NOT NULL,
    "htmlBody" TEXT NOT NULL DEFAULT '',
    "localAsId" INTEGER,
    "peerAsn" BIGINT NOT NULL,
    "peerName" TEXT NOT NULL DEFAULT '',
    "ixpId" INTEGER,
    "routerId" INTEGER,
    "batchId" INTEGER,
    "changeId" INTEGER,
    "details" JSONB NOT NULL DEFAULT '{}',
    "draftedBy" TEXT NOT NULL,
    "draftedByName" TEXT NOT NULL DEFAULT '',
    "sentBy" TEXT NOT NULL DEFAULT '',
    "sentByName" TEXT NOT NULL DEFAULT '',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "serverResponse" TEXT NOT NULL DEFAULT '',
    "error" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "queuedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "messagePlatform" TEXT NOT NULL DEFAULT '',
    "messageChannel" TEXT NOT NULL DEFAULT '',
    "messageRefId" TEXT NOT NULL DEFAULT '',
    "messageThread" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Email_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailAttempt" (
    "id" BIGSERIAL NOT NULL,
    "emailId" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,
    "response" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "EmailAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailBatch" (
    "id" SERIAL NOT NULL,
    "kind" "EmailKind" NOT NULL,
    "status" "EmailBatchStatus" NOT NULL DEFAULT 'draft',
    "scope" TEXT NOT NULL,
    "localAsId" INTEGER,
    "details" JSONB NOT NULL DEFAULT '{}',
    "needsApproval" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdByName" TEXT NOT NULL DEFAULT '',
    "approvedBy" TEXT NOT NULL DEFAULT '',
    "approvedByName" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "messagePlatform" TEXT NOT NULL DEFAULT '',
    "messageChannel" TEXT NOT NULL DEFAULT '',
    "messageRefId" TEXT NOT NULL DEFAULT '',
    "messageThread" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "EmailBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PeeringRequest" (
    "id" SERIAL NOT NULL,
    "localAsId" INTEGER NOT NULL,
    "peerAsn" BIGINT NOT NULL,
    "state" "PeeringRequestState" NOT NULL,
    "requestedAt" TIMESTAMP(3),
    "requestedBy" TEXT NOT NULL DEFAULT '',
    "requestedByName" TEXT NOT NULL DEFAULT '',
    "lastEmailId" INTEGER,
    "until" TIMESTAMP(3),
    "hidden" BOOLEAN NOT NULL DEFAULT false,
    "note" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PeeringRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ObjectChange" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "actorName" TEXT NOT NULL DEFAULT '',
    "via" TEXT NOT NULL,
    "requestId" TEXT NOT NULL DEFAULT '',
    "objectType" TEXT NOT NULL,
    "objectId" TEXT NOT NULL,
    "objectRepr" TEXT NOT NULL,
    "action" "ObjectAction" NOT NULL,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "ObjectChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExternalRef" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "localId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExternalRef_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Email_messageId_key" ON "Email"("messageId");

-- CreateIndex
CREATE INDEX "Email_peerAsn_createdAt_idx" ON "Email"("peerAsn", "createdAt");

-- CreateIndex
CREATE INDEX "Email_status_idx" ON "Email"("status");

-- CreateIndex
CREATE INDEX "Email_batchId_idx" ON "Email"("batchId");

-- CreateIndex
CREATE INDEX "EmailAttempt_emailId_idx" ON "EmailAttempt"("emailId");

-- CreateIndex
CREATE INDEX "PeeringRequest_peerAsn_idx" ON "PeeringRequest"("peerAsn");

-- CreateIndex
CREATE UNIQUE INDEX "PeeringRequest_localAsId_peerAsn_key" ON "PeeringRequest"("localAsId", "peerAsn");

-- CreateIndex
CREATE INDEX "ObjectChange_objectType_objectId_at_idx" ON "ObjectChange"("objectType", "objectId", "at");

-- CreateIndex
CREATE INDEX "ObjectChange_at_idx" ON "ObjectChange"("at");

-- CreateIndex
CREATE INDEX "ObjectChange_requestId_idx" ON "ObjectChange"("requestId");

-- CreateIndex
CREATE INDEX "ExternalRef_objectType_localId_idx" ON "ExternalRef"("objectType", "localId");

-- CreateIndex
CREATE UNIQUE INDEX "ExternalRef_source_objectType_externalId_key" ON "ExternalRef"("source", "objectType", "externalId");

-- AddForeignKey
ALTER TABLE "Email" ADD CONSTRAINT "Email_localAsId_fkey" FOREIGN KEY ("localAsId") REFERENCES "AutonomousSystem"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Email" ADD CONSTRAINT "Email_ixpId_fkey" FOREIGN KEY ("ixpId") REFERENCES "InternetExchange"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Email" ADD CONSTRAINT "Email_routerId_fkey" FOREIGN KEY ("routerId") REFERENCES "Router"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Email" ADD CONSTRAINT "Email_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "EmailBatch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailAttempt" ADD CONSTRAINT "EmailAttempt_emailId_fkey" FOREIGN KEY ("emailId") REFERENCES "Email"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailBatch" ADD CONSTRAINT "EmailBatch_localAsId_fkey" FOREIGN KEY ("localAsId") REFERENCES "AutonomousSystem"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PeeringRequest" ADD CONSTRAINT "PeeringRequest_localAsId_fkey" FOREIGN KEY ("localAsId") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;
