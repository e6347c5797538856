-- CreateTable
CREATE TABLE "pdb_org" (
    "id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "aka" TEXT NOT NULL DEFAULT '',
    "name_long" TEXT NOT NULL DEFAULT '',
    "website" TEXT NOT NULL DEFAULT '',
    "notes" TEXT NOT NULL DEFAULT '',
    "address1" TEXT NOT NULL DEFAULT '',
    "address2" TEXT NOT NULL DEFAULT '',
    "city" TEXT NOT NULL DEFAULT '',
    "country" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL DEFAULT '',
    "zipcode" TEXT NOT NULL DEFAULT '',
    "floor" TEXT NOT NULL DEFAULT '',
    "suite" TEXT NOT NULL DEFAULT '',
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_org_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_fac" (
    "id" INTEGER NOT NULL,
    "org_id" INTEGER NOT NULL,
    "campus_id" INTEGER,
    "name" TEXT NOT NULL,
    "aka" TEXT NOT NULL DEFAULT '',
    "name_long" TEXT NOT NULL DEFAULT '',
    "website" TEXT NOT NULL DEFAULT '',
    "clli" TEXT NOT NULL DEFAULT '',
    "rencode" TEXT NOT NULL DEFAULT '',
    "npanxx" TEXT NOT NULL DEFAULT '',
    "notes" TEXT NOT NULL DEFAULT '',
    "net_count" INTEGER NOT NULL DEFAULT 0,
    "ix_count" INTEGER NOT NULL DEFAULT 0,
    "carrier_count" INTEGER NOT NULL DEFAULT 0,
    "sales_email" TEXT NOT NULL DEFAULT '',
    "sales_phone" TEXT NOT NULL DEFAULT '',
    "tech_email" TEXT NOT NULL DEFAULT '',
    "tech_phone" TEXT NOT NULL DEFAULT '',
    "property" TEXT,
    "region_continent" TEXT,
    "status_dashboard" TEXT,
    "address1" TEXT NOT NULL DEFAULT '',
    "address2" TEXT NOT NULL DEFAULT '',
    "city" TEXT NOT NULL DEFAULT '',
    "country" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL DEFAULT '',
    "zipcode" TEXT NOT NULL DEFAULT '',
    "floor" TEXT NOT NULL DEFAULT '',
    "suite" TEXT NOT NULL DEFAULT '',
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_fac_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_ix" (
    "id" INTEGER NOT NULL,
    "org_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "aka" TEXT NOT NULL DEFAULT '',
    "name_long" TEXT NOT NULL DEFAULT '',
    "city" TEXT NOT NULL DEFAULT '',
    "country" TEXT NOT NULL DEFAULT '',
    "region_continent" TEXT NOT NULL DEFAULT '',
    "media" TEXT NOT NULL DEFAULT '',
    "notes" TEXT NOT NULL DEFAULT '',
    "proto_unicast" BOOLEAN NOT NULL DEFAULT false,
    "proto_multicast" BOOLEAN NOT NULL DEFAULT false,
    "proto_ipv6" BOOLEAN NOT NULL DEFAULT false,
    "website" TEXT NOT NULL DEFAULT '',
    "url_stats" TEXT NOT NULL DEFAULT '',
    "tech_email" TEXT NOT NULL DEFAULT '',
    "tech_phone" TEXT NOT NULL DEFAULT '',
    "policy_email" TEXT NOT NULL DEFAULT '',
    "policy_phone" TEXT NOT NULL DEFAULT '',
    "sales_email" TEXT NOT NULL DEFAULT '',
    "sales_phone" TEXT NOT NULL DEFAULT '',
    "net_count" INTEGER NOT NULL DEFAULT 0,
    "fac_count" INTEGER NOT NULL DEFAULT 0,
    "service_level" TEXT NOT NULL DEFAULT '',
    "terms" TEXT NOT NULL DEFAULT '',
    "status_dashboard" TEXT,
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_ix_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_ixlan" (
    "id" INTEGER NOT NULL,
    "ix_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "descr" TEXT NOT NULL DEFAULT '',
    "mtu" INTEGER,
    "dot1q_support" BOOLEAN NOT NULL DEFAULT false,
    "rs_asn" BIGINT,
    "arp_sponge" TEXT,
    "ixf_ixp_member_list_url_visible" TEXT NOT NULL DEFAULT '',
    "ixf_ixp_import_enabled" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_ixlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_ixpfx" (
    "id" INTEGER NOT NULL,
    "ixlan_id" INTEGER NOT NULL,
    "protocol" TEXT NOT NULL,
    "prefix" INET NOT NULL,
    "in_dfz" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_ixpfx_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_net" (
    "id" INTEGER NOT NULL,
    "org_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "aka" TEXT NOT NULL DEFAULT '',
    "name_long" TEXT NOT NULL DEFAULT '',
    "website" TEXT NOT NULL DEFAULT '',
    "asn" BIGINT NOT NULL,
    "looking_glass" TEXT NOT NULL DEFAULT '',
    "route_server" TEXT NOT NULL DEFAULT '',
    "irr_as_set" TEXT NOT NULL DEFAULT '',
    "info_type" TEXT NOT NULL DEFAULT '',
    "info_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "info_prefixes4" INTEGER,
    "info_prefixes6" INTEGER,
    "info_traffic" TEXT NOT NULL DEFAULT '',
    "info_ratio" TEXT NOT NULL DEFAULT '',
    "info_scope" TEXT NOT NULL DEFAULT '',
    "info_unicast" BOOLEAN NOT NULL DEFAULT false,
    "info_multicast" BOOLEAN NOT NULL DEFAULT false,
    "info_ipv6" BOOLEAN NOT NULL DEFAULT false,
    "info_never_via_route_servers" BOOLEAN NOT NULL DEFAULT false,
    "notes" TEXT NOT NULL DEFAULT '',
    "policy_url" TEXT NOT NULL DEFAULT '',
    "policy_general" TEXT NOT NULL DEFAULT '',
    "policy_locations" TEXT NOT NULL DEFAULT '',
    "policy_ratio" BOOLEAN NOT NULL DEFAULT false,
    "policy_contracts" TEXT NOT NULL DEFAULT '',
    "allow_ixp_update" BOOLEAN NOT NULL DEFAULT false,
    "status_dashboard" TEXT,
    "rir_status" TEXT,
    "netixlan_updated" TIMESTAMPTZ(3),
    "netfac_updated" TIMESTAMPTZ(3),
    "poc_updated" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_net_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_poc" (
    "id" INTEGER NOT NULL,
    "net_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "visible" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL DEFAULT '',
    "phone" TEXT NOT NULL DEFAULT '',
    "email" TEXT NOT NULL DEFAULT '',
    "url" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_poc_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_netfac" (
    "id" INTEGER NOT NULL,
    "net_id" INTEGER NOT NULL,
    "fac_id" INTEGER NOT NULL,
    "local_asn" BIGINT,
    "name" TEXT NOT NULL DEFAULT '',
    "city" TEXT NOT NULL DEFAULT '',
    "country" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_netfac_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_ixfac" (
    "id" INTEGER NOT NULL,
    "ix_id" INTEGER NOT NULL,
    "fac_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "city" TEXT NOT NULL DEFAULT '',
    "country" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_ixfac_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_netixlan" (
    "id" INTEGER NOT NULL,
    "net_id" INTEGER NOT NULL,
    "ix_id" INTEGER NOT NULL,
    "ixlan_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "notes" TEXT NOT NULL DEFAULT '',
    "speed" INTEGER NOT NULL DEFAULT 0,
    "asn" BIGINT NOT NULL,
    "ipaddr4" INET,
    "ipaddr6" INET,
    "is_rs_peer" BOOLEAN NOT NULL DEFAULT false,
    "bfd_support" BOOLEAN NOT NULL DEFAULT false,
    "operational" BOOLEAN NOT NULL DEFAULT true,
    "net_side_id" INTEGER,
    "ix_side_id" INTEGER,
    "status" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pdb_netixlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pdb_sync_state" (
    "type" TEXT NOT NULL,
    "watermark" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "last_full_at" TIMESTAMPTZ(3),
    "last_status" TEXT NOT NULL DEFAULT '',
    "last_error" TEXT NOT NULL DEFAULT '',
    "rows" INTEGER NOT NULL DEFAULT 0,
    "fetched" INTEGER NOT NULL DEFAULT 0,
    "upserted" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "duration_ms" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "pdb_sync_state_pkey" PRIMARY KEY ("type")
);

-- CreateIndex
CREATE INDEX "pdb_ixlan_ix_id_idx" ON "pdb_ixlan"("ix_id");

-- CreateIndex
CREATE INDEX "pdb_ixpfx_ixlan_id_idx" ON "pdb_ixpfx"("ixlan_id");

-- CreateIndex
CREATE INDEX "pdb_net_asn_idx" ON "pdb_net"("asn");

-- CreateIndex
CREATE INDEX "pdb_poc_net_id_idx" ON "pdb_poc"("net_id");

-- CreateIndex
CREATE INDEX "pdb_netfac_net_id_idx" ON "pdb_netfac"("net_id");

-- CreateIndex
CREATE INDEX "pdb_ixfac_ix_id_idx" ON "pdb_ixfac"("ix_id");

-- CreateIndex
CREATE INDEX "pdb_netixlan_ixlan_id_idx" ON "pdb_netixlan"("ixlan_id");

-- CreateIndex
CREATE INDEX "pdb_netixlan_asn_idx" ON "pdb_netixlan"("asn");
