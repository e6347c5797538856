-- AlterTable
ALTER TABLE "Router" ADD COLUMN     "bgpRouterId" TEXT NOT NULL DEFAULT '';
