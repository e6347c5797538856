-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "SessionStatus" AS ENUM ('requested', 'provisioning', 'enabled', 'maintenance', 'disabled', 'decommissioning', 'decommissioned');

-- CreateEnum
CREATE TYPE "BgpState" AS ENUM ('idle', 'connect', 'active', 'opensent', 'openconfirm', 'established');

-- CreateEnum
CREATE TYPE "ObjectStatus" AS ENUM ('enabled', 'maintenance', 'disabled');

-- CreateEnum
CREATE TYPE "RouterPlatform" AS ENUM ('junos', 'iosxr', 'eos', 'bird2', 'frr', 'file');

-- CreateEnum
CREATE TYPE "PolicyKind" AS ENUM ('import', 'export', 'import_export');

-- CreateEnum
CREATE TYPE "AddressFamily" AS ENUM ('all', 'ipv4', 'ipv6');

-- CreateEnum
CREATE TYPE "CommunityKind" AS ENUM ('standard', 'extended', 'large');

-- CreateEnum
CREATE TYPE "Relationship" AS ENUM ('transit_provider', 'customer', 'private_peering', 'peering', 'internal', 'other');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('ok', 'denied', 'user_error', 'error');

-- CreateTable
CREATE TABLE "RoutingPolicy" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "kind" "PolicyKind" NOT NULL DEFAULT 'import_export',
    "weight" INTEGER NOT NULL DEFAULT 0,
    "addressFamily" "AddressFamily" NOT NULL DEFAULT 'all',
    "comments" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoutingPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Community" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "kind" "CommunityKind" NOT NULL DEFAULT 'standard',
    "comments" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Community_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BgpGroup" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "comments" TEXT NOT NULL DEFAULT '',
    "status" "ObjectStatus" NOT NULL DEFAULT 'enabled',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BgpGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutonomousSystem" (
    "id" SERIAL NOT NULL,
    "asn" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "irrAsSet" TEXT NOT NULL DEFAULT '',
    "ipv4MaxPrefixes" INTEGER NOT NULL DEFAULT 0,
    "ipv6MaxPrefixes" INTEGER NOT NULL DEFAULT 0,
    "generalPolicy" TEXT NOT NULL DEFAULT '',
    "affiliated" BOOLEAN NOT NULL DEFAULT false,
    "comments" TEXT NOT NULL DEFAULT '',
    "peeringdbNetId" INTEGER,
    "syncName" BOOLEAN NOT NULL DEFAULT true,
    "syncIrrAsSet" BOOLEAN NOT NULL DEFAULT true,
    "syncMaxPrefixes" BOOLEAN NOT NULL DEFAULT true,
    "syncPolicy" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AutonomousSystem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InternetExchange" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "peeringdbIxId" INTEGER,
    "peeringdbIxlanId" INTEGER,
    "localAsId" INTEGER NOT NULL,
    "status" "ObjectStatus" NOT NULL DEFAULT 'enabled',
    "prefixes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "comments" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InternetExchange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Router" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "platform" "RouterPlatform" NOT NULL,
    "localAsId" INTEGER NOT NULL,
    "status" "ObjectStatus" NOT NULL DEFAULT 'enabled',
    "template" TEXT NOT NULL DEFAULT '',
    "pollSessionState" BOOLEAN NOT NULL DEFAULT false,
    "fourEyes" BOOLEAN NOT NULL DEFAULT true,
    "username" TEXT NOT NULL DEFAULT '',
    "passwordEnc" TEXT,
    "privateKeyEnc" TEXT,
    "credentialEnv" TEXT NOT NULL DEFAULT '',
    "hostKeyFingerprint" TEXT NOT NULL DEFAULT '',
    "configPath" TEXT NOT NULL DEFAULT '',
    "comments" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Router_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "ixpId" INTEGER NOT NULL,
    "routerId" INTEGER,
    "ipv4Address" INET,
    "ipv6Address" INET,
    "vlan" INTEGER,
    "macAddress" TEXT NOT NULL DEFAULT '',
    "speed" INTEGER NOT NULL DEFAULT 0,
    "status" "ObjectStatus" NOT NULL DEFAULT 'enabled',
    "peeringdbNetixlanId" INTEGER,
    "comments" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IxpSession" (
    "id" SERIAL NOT NULL,
    "autonomousSystemId" INTEGER NOT NULL,
    "connectionId" INTEGER NOT NULL,
    "ipAddress" INET NOT NULL,
    "isRouteServer" BOOLEAN NOT NULL DEFAULT false,
    "status" "SessionStatus" NOT NULL DEFAULT 'requested',
    "passwordEnc" TEXT,
    "multihopTtl" INTEGER,
    "passive" BOOLEAN NOT NULL DEFAULT false,
    "bfd" BOOLEAN NOT NULL DEFAULT false,
    "comments" TEXT NOT NULL DEFAULT '',
    "bgpState" "BgpState",
    "receivedPrefixCount" INTEGER,
    "acceptedPrefixCount" INTEGER,
    "advertisedPrefixCount" INTEGER,
    "lastEstablishedAt" TIMESTAMP(3),
    "polledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IxpSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectSession" (
    "id" SERIAL NOT NULL,
    "autonomousSystemId" INTEGER NOT NULL,
    "routerId" INTEGER,
    "bgpGroupId" INTEGER,
    "localAsn" BIGINT,
    "localIpAddress" INET,
    "ipAddress" INET NOT NULL,
    "relationship" "Relationship" NOT NULL DEFAULT 'peering',
    "status" "SessionStatus" NOT NULL DEFAULT 'requested',
    "passwordEnc" TEXT,
    "multihopTtl" INTEGER,
    "passive" BOOLEAN NOT NULL DEFAULT false,
    "bfd" BOOLEAN NOT NULL DEFAULT false,
    "comments" TEXT NOT NULL DEFAULT '',
    "bgpState" "BgpState",
    "receivedPrefixCount" INTEGER,
    "acceptedPrefixCount" INTEGER,
    "advertisedPrefixCount" INTEGER,
    "lastEstablishedAt" TIMESTAMP(3),
    "polledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DirectSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HiddenPeer" (
    "id" SERIAL NOT NULL,
    "asn" BIGINT NOT NULL,
    "ixpId" INTEGER NOT NULL,
    "until" TIMESTAMP(3),
    "reason" TEXT NOT NULL DEFAULT '',
    "createdBy" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HiddenPeer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Contact" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'technical',
    "email" TEXT NOT NULL DEFAULT '',
    "phone" TEXT NOT NULL DEFAULT '',
    "autonomousSystemId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "platform" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userName" TEXT NOT NULL DEFAULT '',
    "channel" TEXT NOT NULL DEFAULT '',
    "command" TEXT NOT NULL,
    "args" TEXT NOT NULL DEFAULT '',
    "outcome" "AuditOutcome" NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "durationMs" INTEGER NOT NULL DEFAULT 0,
    "objects" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "_CommunityToInternetExchange" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_CommunityToInternetExchange_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_CommunityToIxpSession" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_CommunityToIxpSession_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_CommunityToDirectSession" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_CommunityToDirectSession_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_GroupImportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_GroupImportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_GroupExportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_GroupExportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_BgpGroupToCommunity" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_BgpGroupToCommunity_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_AsImportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_AsImportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_AsExportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_AsExportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_AutonomousSystemToCommunity" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_AutonomousSystemToCommunity_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IxpImportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IxpImportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IxpExportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IxpExportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IxpSessionImportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IxpSessionImportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IxpSessionExportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IxpSessionExportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_DirectSessionImportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_DirectSessionImportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_DirectSessionExportPolicies" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_DirectSessionExportPolicies_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE UNIQUE INDEX "RoutingPolicy_slug_key" ON "RoutingPolicy"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Community_slug_key" ON "Community"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "BgpGroup_slug_key" ON "BgpGroup"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "AutonomousSystem_asn_key" ON "AutonomousSystem"("asn");

-- CreateIndex
CREATE UNIQUE INDEX "AutonomousSystem_peeringdbNetId_key" ON "AutonomousSystem"("peeringdbNetId");

-- CreateIndex
CREATE UNIQUE INDEX "InternetExchange_slug_key" ON "InternetExchange"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Router_name_key" ON "Router"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_peeringdbNetixlanId_key" ON "Connection"("peeringdbNetixlanId");

-- CreateIndex
CREATE INDEX "IxpSession_autonomousSystemId_idx" ON "IxpSession"("autonomousSystemId");

-- CreateIndex
CREATE UNIQUE INDEX "IxpSession_connectionId_ipAddress_key" ON "IxpSession"("connectionId", "ipAddress");

-- CreateIndex
CREATE INDEX "DirectSession_autonomousSystemId_idx" ON "DirectSession"("autonomousSystemId");

-- CreateIndex
CREATE UNIQUE INDEX "DirectSession_routerId_ipAddress_key" ON "DirectSession"("routerId", "ipAddress");

-- CreateIndex
CREATE UNIQUE INDEX "HiddenPeer_asn_ixpId_key" ON "HiddenPeer"("asn", "ixpId");

-- CreateIndex
CREATE INDEX "Contact_autonomousSystemId_idx" ON "Contact"("autonomousSystemId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_command_idx" ON "AuditEvent"("command");

-- CreateIndex
CREATE INDEX "_CommunityToInternetExchange_B_index" ON "_CommunityToInternetExchange"("B");

-- CreateIndex
CREATE INDEX "_CommunityToIxpSession_B_index" ON "_CommunityToIxpSession"("B");

-- CreateIndex
CREATE INDEX "_CommunityToDirectSession_B_index" ON "_CommunityToDirectSession"("B");

-- CreateIndex
CREATE INDEX "_GroupImportPolicies_B_index" ON "_GroupImportPolicies"("B");

-- CreateIndex
CREATE INDEX "_GroupExportPolicies_B_index" ON "_GroupExportPolicies"("B");

-- CreateIndex
CREATE INDEX "_BgpGroupToCommunity_B_index" ON "_BgpGroupToCommunity"("B");

-- CreateIndex
CREATE INDEX "_AsImportPolicies_B_index" ON "_AsImportPolicies"("B");

-- CreateIndex
CREATE INDEX "_AsExportPolicies_B_index" ON "_AsExportPolicies"("B");

-- CreateIndex
CREATE INDEX "_AutonomousSystemToCommunity_B_index" ON "_AutonomousSystemToCommunity"("B");

-- CreateIndex
CREATE INDEX "_IxpImportPolicies_B_index" ON "_IxpImportPolicies"("B");

-- CreateIndex
CREATE INDEX "_IxpExportPolicies_B_index" ON "_IxpExportPolicies"("B");

-- CreateIndex
CREATE INDEX "_IxpSessionImportPolicies_B_index" ON "_IxpSessionImportPolicies"("B");

-- CreateIndex
CREATE INDEX "_IxpSessionExportPolicies_B_index" ON "_IxpSessionExportPolicies"("B");

-- CreateIndex
CREATE INDEX "_DirectSessionImportPolicies_B_index" ON "_DirectSessionImportPolicies"("B");

-- CreateIndex
CREATE INDEX "_DirectSessionExportPolicies_B_index" ON "_DirectSessionExportPolicies"("B");

-- AddForeignKey
ALTER TABLE "InternetExchange" ADD CONSTRAINT "InternetExchange_localAsId_fkey" FOREIGN KEY ("localAsId") REFERENCES "AutonomousSystem"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Router" ADD CONSTRAINT "Router_localAsId_fkey" FOREIGN KEY ("localAsId") REFERENCES "AutonomousSystem"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_ixpId_fkey" FOREIGN KEY ("ixpId") REFERENCES "InternetExchange"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_routerId_fkey" FOREIGN KEY ("routerId") REFERENCES "Router"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IxpSession" ADD CONSTRAINT "IxpSession_autonomousSystemId_fkey" FOREIGN KEY ("autonomousSystemId") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IxpSession" ADD CONSTRAINT "IxpSession_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectSession" ADD CONSTRAINT "DirectSession_autonomousSystemId_fkey" FOREIGN KEY ("autonomousSystemId") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectSession" ADD CONSTRAINT "DirectSession_routerId_fkey" FOREIGN KEY ("routerId") REFERENCES "Router"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectSession" ADD CONSTRAINT "DirectSession_bgpGroupId_fkey" FOREIGN KEY ("bgpGroupId") REFERENCES "BgpGroup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HiddenPeer" ADD CONSTRAINT "HiddenPeer_ixpId_fkey" FOREIGN KEY ("ixpId") REFERENCES "InternetExchange"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_autonomousSystemId_fkey" FOREIGN KEY ("autonomousSystemId") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CommunityToInternetExchange" ADD CONSTRAINT "_CommunityToInternetExchange_A_fkey" FOREIGN KEY ("A") REFERENCES "Community"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CommunityToInternetExchange" ADD CONSTRAINT "_CommunityToInternetExchange_B_fkey" FOREIGN KEY ("B") REFERENCES "InternetExchange"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CommunityToIxpSession" ADD CONSTRAINT "_CommunityToIxpSession_A_fkey" FOREIGN KEY ("A") REFERENCES "Community"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CommunityToIxpSession" ADD CONSTRAINT "_CommunityToIxpSession_B_fkey" FOREIGN KEY ("B") REFERENCES "IxpSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CommunityToDirectSession" ADD CONSTRAINT "_CommunityToDirectSession_A_fkey" FOREIGN KEY ("A") REFERENCES "Community"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CommunityToDirectSession" ADD CONSTRAINT "_CommunityToDirectSession_B_fkey" FOREIGN KEY ("B") REFERENCES "DirectSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_GroupImportPolicies" ADD CONSTRAINT "_GroupImportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "BgpGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_GroupImportPolicies" ADD CONSTRAINT "_GroupImportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_GroupExportPolicies" ADD CONSTRAINT "_GroupExportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "BgpGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_GroupExportPolicies" ADD CONSTRAINT "_GroupExportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_BgpGroupToCommunity" ADD CONSTRAINT "_BgpGroupToCommunity_A_fkey" FOREIGN KEY ("A") REFERENCES "BgpGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_BgpGroupToCommunity" ADD CONSTRAINT "_BgpGroupToCommunity_B_fkey" FOREIGN KEY ("B") REFERENCES "Community"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AsImportPolicies" ADD CONSTRAINT "_AsImportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AsImportPolicies" ADD CONSTRAINT "_AsImportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AsExportPolicies" ADD CONSTRAINT "_AsExportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AsExportPolicies" ADD CONSTRAINT "_AsExportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AutonomousSystemToCommunity" ADD CONSTRAINT "_AutonomousSystemToCommunity_A_fkey" FOREIGN KEY ("A") REFERENCES "AutonomousSystem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AutonomousSystemToCommunity" ADD CONSTRAINT "_AutonomousSystemToCommunity_B_fkey" FOREIGN KEY ("B") REFERENCES "Community"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpImportPolicies" ADD CONSTRAINT "_IxpImportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "InternetExchange"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpImportPolicies" ADD CONSTRAINT "_IxpImportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpExportPolicies" ADD CONSTRAINT "_IxpExportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "InternetExchange"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpExportPolicies" ADD CONSTRAINT "_IxpExportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpSessionImportPolicies" ADD CONSTRAINT "_IxpSessionImportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "IxpSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpSessionImportPolicies" ADD CONSTRAINT "_IxpSessionImportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpSessionExportPolicies" ADD CONSTRAINT "_IxpSessionExportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "IxpSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IxpSessionExportPolicies" ADD CONSTRAINT "_IxpSessionExportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_DirectSessionImportPolicies" ADD CONSTRAINT "_DirectSessionImportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "DirectSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_DirectSessionImportPolicies" ADD CONSTRAINT "_DirectSessionImportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_DirectSessionExportPolicies" ADD CONSTRAINT "_DirectSessionExportPolicies_A_fkey" FOREIGN KEY ("A") REFERENCES "DirectSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_DirectSessionExportPolicies" ADD CONSTRAINT "_DirectSessionExportPolicies_B_fkey" FOREIGN KEY ("B") REFERENCES "RoutingPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;
