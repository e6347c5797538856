-- CreateEnum
CREATE TYPE "IrrFallback" AS ENUM ('reject', 'accept');

-- CreateEnum
CREATE TYPE "ChangeKind" AS ENUM ('router', 'ixapi');

-- CreateEnum
CREATE TYPE "InboundRequestState" AS ENUM ('unverified', 'open', 'peered', 'declined', 'expired');

-- AlterTable
ALTER TABLE "RoutingPolicy" ADD COLUMN     "irrFallback" "IrrFallback" NOT NULL DEFAULT 'reject',
ADD COLUMN     "irrFilter" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "AutonomousSystem" ADD COLUMN     "irrArgs" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "irrEnabled" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "irrSources" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "InternetExchange" ADD COLUMN     "ixapiEndpointId" INTEGER,
ADD COLUMN     "ixapiServiceId" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "ixapiConfigId" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "IxpSession" ADD COLUMN     "irrFilter" BOOLEAN;

-- AlterTable
ALTER TABLE "DirectSession" ADD COLUMN     "irrFilter" BOOLEAN;

-- AlterTable
ALTER TABLE "ChangeRequest" ADD COLUMN     "connectionId" INTEGER,
ADD COLUMN     "kind" "ChangeKind" NOT NULL DEFAULT 'router',
ADD COLUMN     "notes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "payload" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "IxApiEndpoint" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "keyEnv" TEXT NOT NULL DEFAULT '',
    "secretEnv" TEXT NOT NULL DEFAULT '',
    "keyEnc" TEXT,
    "secretEnc" TEXT,
    "accountId" TEXT NOT NULL DEFAULT '',
    "accessTokenEnc" TEXT,
    "accessExpiresAt" TIMESTAMP(3),
    "refreshTokenEnc" TEXT,
    "refreshExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IxApiEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IxApiSnapshot" (
    "id" SERIAL NOT NULL,
    "endpointId" INTEGER NOT NULL,
    "fetchedAt" TIMESTAMP(3),
    "data" JSONB NOT NULL DEFAULT '{}',
    "requests" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT NOT NULL DEFAULT '',
    "errorAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IxApiSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IrrPrefixList" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "autonomousSystemId" INTEGER,
    "family" INTEGER NOT NULL,
    "prefixes" JSONB NOT NULL DEFAULT '[]',
    "prefixCount" INTEGER NOT NULL DEFAULT 0,
    "asns" JSONB NOT NULL DEFAULT '[]',
    "sets" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "sources" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "fetchedAt" TIMESTAMP(3),
    "error" TEXT NOT NULL DEFAULT '',
    "errorAt" TIMESTAMP(3),
    "stale" BOOLEAN NOT NULL DEFAULT false,
    "overCap" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IrrPrefixList_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DigestRun" (
    "id" SERIAL NOT NULL,
    "trigger" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL DEFAULT '{}',
    "summary" JSONB NOT NULL DEFAULT '{}',
    "posted" BOOLEAN NOT NULL DEFAULT false,
    "messagePlatform" TEXT NOT NULL DEFAULT '',
    "messageChannel" TEXT NOT NULL DEFAULT '',
    "messageId" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DigestRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundRequest" (
    "id" SERIAL NOT NULL,
    "uid" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asn" BIGINT NOT NULL,
    "ixps" JSONB NOT NULL DEFAULT '[]',
    "contactEmail" TEXT NOT NULL,
    "tokenHash" TEXT,
    "tokenExpiresAt" TIMESTAMP(3) NOT NULL,
    "sourceAddress" TEXT NOT NULL,
    "state" "InboundRequestState" NOT NULL DEFAULT 'unverified',
    "message" TEXT NOT NULL DEFAULT '',
    "verifiedAt" TIMESTAMP(3),
    "decidedBy" TEXT NOT NULL DEFAULT '',
    "decidedByName" TEXT NOT NULL DEFAULT '',
    "decidedAt" TIMESTAMP(3),
    "reason" TEXT NOT NULL DEFAULT '',
    "changeIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "messagePlatform" TEXT NOT NULL DEFAULT '',
    "messageChannel" TEXT NOT NULL DEFAULT '',
    "messageId" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InboundRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "IxApiEndpoint_name_key" ON "IxApiEndpoint"("name");

-- CreateIndex
CREATE UNIQUE INDEX "IxApiSnapshot_endpointId_key" ON "IxApiSnapshot"("endpointId");

-- CreateIndex
CREATE INDEX "IrrPrefixList_autonomousSystemId_idx" ON "IrrPrefixList"("autonomousSystemId");

-- CreateIndex
CREATE UNIQUE INDEX "IrrPrefixList_key_family_key" ON "IrrPrefixList"("key", "family");

-- CreateIndex
CREATE UNIQUE INDEX "InboundRequest_uid_key" ON "InboundRequest"("uid");

-- CreateIndex
CREATE UNIQUE INDEX "InboundRequest_tokenHash_key" ON "InboundRequest"("tokenHash");

-- CreateIndex
CREATE INDEX "InboundRequest_asn_createdAt_idx" ON "InboundRequest"("asn", "createdAt");

-- CreateIndex
CREATE INDEX "InboundRequest_sourceAddress_createdAt_idx" ON "InboundRequest"("sourceAddress", "createdAt");

-- CreateIndex
CREATE INDEX "ChangeRequest_connectionId_status_idx" ON "ChangeRequest"("connectionId", "status");

-- AddForeignKey
ALTER TABLE "InternetExchange" ADD CONSTRAINT "InternetExchange_ixapiEndpointId_fkey" FOREIGN KEY ("ixapiEndpointId") REFERENCES "IxApiEndpoint"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChangeRequest" ADD CONSTRAINT "ChangeRequest_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IxApiSnapshot" ADD CONSTRAINT "IxApiSnapshot_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "IxApiEndpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IrrPrefixList" ADD CONSTRAINT "IrrPrefixList_autonomousSystemId_fkey" FOREIGN KEY ("autonomousSystemId") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;
